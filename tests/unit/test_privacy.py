"""Shoppers' data pieces: pseudonyms, the forget log, forgetting in profiles, cached answers and
the ranking model's known shoppers, and the retention rebuild of profiles."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from shelfwise.personalize import build_profiles
from shelfwise.privacy import ForgetLog, Pseudonymizer, actor_digest
from shelfwise.privacy.models import forget_in_loaded_ranker, forget_in_saved_rankers
from shelfwise.recommend.answer_cache import AnswerCache
from shelfwise.recommend.shared_answers import SharedAnswers
from shelfwise.records import Event, SearchRequest
from tests.unit.test_personalize_update import CONFIG, assert_same, catalog, random_events, vectors

# ----- pseudonyms ----------------------------------------------------------------------------------


def test_pseudonyms_are_keyed_hmacs_and_stable() -> None:
    names = Pseudonymizer("k1")
    expected = "pz-" + hmac.new(b"k1", b"u-42", hashlib.sha256).hexdigest()
    assert names.id("u-42") == expected == names.id("u-42")
    assert names.id(expected) == expected  # applying it twice changes nothing
    assert Pseudonymizer("k2").id("u-42") != expected  # another key, another shopper
    assert names.actor("user:u-42") == f"user:{expected}"
    assert names.actor("session:s1") == f"session:{names.id('s1')}"
    assert Pseudonymizer(None).id("u-42") == "u-42" and not Pseudonymizer("").enabled


def test_pseudonyms_replace_ids_on_events_and_searches() -> None:
    names = Pseudonymizer("k1")
    event = Event(event_id="e1", type="view", user_id="u-42", session_id="s1", product_id="p1",
                  timestamp=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    hidden = names.event(event)
    assert (hidden.user_id, hidden.session_id) == (names.id("u-42"), names.id("s1"))
    assert hidden.event_id == "e1" and hidden.product_id == "p1"
    search = names.search(SearchRequest(query="kettle", user_id="u-42"))
    assert search.user_id == names.id("u-42") and search.session_id is None


# ----- the forget log ------------------------------------------------------------------------------


def test_actor_digest_is_the_ranking_models_hash() -> None:
    from shelfwise.rank.features import stable_hash

    actors = np.array(["user:u-42", "session:s1"], dtype=object)
    assert [actor_digest(a) for a in actors] == stable_hash(actors).tolist()


def test_forget_log_hands_out_digests_once_per_reader(tmp_path: Path) -> None:
    log = ForgetLog(tmp_path / "privacy.db")
    start = log.last_seq()
    seq = log.record(["user:a", "session:b"], at=datetime(2026, 1, 1, tzinfo=UTC))
    found = log.since(start)
    assert found.last_seq == seq and found.digests == {actor_digest("user:a"), actor_digest("session:b")}
    assert log.since(seq).digests == frozenset() and log.since(seq).last_seq == seq
    assert b"user:a" not in (tmp_path / "privacy.db").read_bytes()
    assert log.prune(datetime(2026, 1, 2, tzinfo=UTC)) == 2
    assert log.since(0).digests == frozenset()
    assert log.record(["user:c"]) > seq  # seq numbers are never reused
    log.close()


# ----- profiles ------------------------------------------------------------------------------------


def test_forgetting_profiles_equals_building_without_them() -> None:
    events = random_events(400, seed=4)
    profiles = build_profiles(events[:250], catalog(), vectors(), CONFIG)
    profiles.update(events[250:])  # some shoppers are in the batch table, some only updated
    gone = {"user:u1", "session:s3", "user:nobody"}
    assert profiles.forget(gone) == 2
    assert "user:u1" not in profiles and "session:s3" not in profiles
    assert profiles.profile("user:u1").is_empty
    kept = [e for e in events if e.actor not in gone]
    as_of = datetime.fromtimestamp(profiles.as_of or 0, UTC)
    assert_same(profiles, build_profiles(kept, catalog(), vectors(), CONFIG, now=as_of))
    assert profiles.forget(gone) == 0


def test_adopting_a_rebuild_replaces_the_shoppers_in_place() -> None:
    events = random_events(300, seed=6)
    profiles = build_profiles(events, catalog(), vectors(), CONFIG)
    later = build_profiles(events[150:], profiles.catalog, None, CONFIG)
    oldest = min(float(profiles.window(a).time.min()) for a in profiles.actors)  # type: ignore[union-attr]
    assert profiles.oldest_time() == oldest < later.oldest_time()  # type: ignore[operator]
    profiles.adopt(later)
    assert_same(profiles, later)
    with pytest.raises(ValueError, match="same catalog|this catalog"):
        profiles.adopt(build_profiles(events, catalog(), vectors(), CONFIG))


# ----- cached answers ------------------------------------------------------------------------------


def test_forgetting_drops_a_shoppers_answers_here_and_in_the_shared_file(tmp_path: Path) -> None:
    def codec() -> tuple:  # type: ignore[type-arg]
        return (lambda v: ",".join(v), lambda text: text.split(","))

    shared = SharedAnswers(tmp_path / "answers.db", 60)
    cache: AnswerCache[list[str]] = AnswerCache(10, 60, shared=shared, codec=codec())
    cache.put(("feed", "user:gone"), 1, ["a"], owner="user:gone")
    cache.put(("feed", "session:gone-visit"), 1, ["b"], owner="session:gone-visit")
    cache.put(("feed", "user:stays"), 1, ["c"], owner="user:stays")
    other: AnswerCache[list[str]] = AnswerCache(10, 60, shared=SharedAnswers(tmp_path / "answers.db", 60),
                                                codec=codec())  # fmt: skip
    assert cache.forget(["user:gone", "session:gone-visit"]) == 4  # 2 here, 2 in the file
    assert cache.get(("feed", "user:gone"), 1) is None
    assert other.get(("feed", "user:gone"), 1) is None  # another process reads none either
    assert other.get(("feed", "user:stays"), 1, owner="user:stays") == ["c"]  # kept here, with its owner
    assert shared.entries() == 1
    assert cache.drop_local(lambda owner: owner == "user:stays") == 1
    assert other.forget(["user:stays"]) == 2 and other.stats().entries == 0 and shared.entries() == 0
    cache.close()
    other.close()


def test_an_old_shared_answers_file_without_owners_starts_afresh(tmp_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(tmp_path / "answers.db")
    conn.execute("CREATE TABLE answers (key TEXT PRIMARY KEY, marker TEXT NOT NULL, "
                 "stored_at REAL NOT NULL, value TEXT NOT NULL)")  # fmt: skip
    conn.execute("INSERT INTO answers VALUES ('k', 'm', 0, 'v')")
    conn.commit()
    conn.close()
    shared = SharedAnswers(tmp_path / "answers.db", 60)
    assert shared.entries() == 0
    shared.put("k", "m", "v", owner="o")
    assert shared.get("k", "m") is not None
    shared.close()


# ----- the ranking model's known shoppers ----------------------------------------------------------


def test_forgetting_removes_digests_from_saved_and_loaded_rankers(tmp_path: Path) -> None:
    gone, stays = actor_digest("user:gone"), actor_digest("user:stays")
    versions = tmp_path / "models" / "ranker" / "versions"
    for name, known in (("v1", [gone, stays]), ("v2", [stays])):
        (versions / name).mkdir(parents=True)
        np.save(versions / name / "known_users.npy", np.array(sorted(known), dtype=np.uint64))
    assert forget_in_saved_rankers(tmp_path, {gone}) == 1
    assert np.load(versions / "v1" / "known_users.npy").tolist() == [stays]
    assert [p.name for p in (versions / "v1").iterdir()] == ["known_users.npy"]  # no staging left
    assert forget_in_saved_rankers(tmp_path / "elsewhere", {gone}) == 0

    class Builder:
        known_users = np.array(sorted([gone, stays]), dtype=np.uint64)

    class Stage:
        class ranker:  # noqa: N801 - the shape of RankingStage.ranker.builder
            builder = Builder()

    assert forget_in_loaded_ranker(Stage(), {gone}) == 1
    assert Stage.ranker.builder.known_users.tolist() == [stays]
