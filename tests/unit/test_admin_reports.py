"""The admin reports read the manifests that training writes: a recommender's held-out NDCG and
a ranking model's test AUCs, calibration and feature importance become charts."""

from __future__ import annotations

import json
from pathlib import Path

from shelfwise.web.admin_reports import ranker_reports, recommender_reports


def _version(root: Path, version: str, manifest: dict, current: bool) -> None:
    folder = root / "versions" / version
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if current:
        (root / "CURRENT").write_text(version + "\n")


def test_ranker_reports_chart_auc_calibration_and_importance(tmp_path: Path) -> None:
    task = {"auc": 0.7, "position_baseline_auc": 0.6, "ceiling_auc": None,
            "reliability": [{"mean_predicted": 0.02, "observed_rate": 0.03}]}  # fmt: skip
    metrics = {"architecture": "esmm", "rows": {"train": 80, "test": 20},
               "tasks": {"ctr": task, "ctcvr": {**task, "auc": 0.9}},
               "feature_importance": {"price": {"ctr": 0.02}, "query_cosine": {"ctr": 0.05}}}  # fmt: skip
    root = tmp_path / "models" / "ranker"
    _version(root, "v1", {"published": True, "metrics": metrics}, current=True)
    _version(root, "v2", {"published": False, "metrics": metrics}, current=False)
    reports = ranker_reports(tmp_path)
    assert [(r.version, r.current) for r in reports] == [("v2", False), ("v1", True)]
    assert reports[1].summary == "esmm on 100 impressions; published"
    auc, calibration, importance = (str(chart) for chart in reports[1].charts)
    assert "click: model: 0.700" in auc and "click and purchase: model: 0.900" in auc and "ceiling" not in auc
    assert "click: (0.02, 0.03)" in calibration
    assert importance.index("query_cosine") < importance.index("price")


def test_reports_of_nothing_trained_are_empty(tmp_path: Path) -> None:
    assert ranker_reports(tmp_path) == [] and recommender_reports(tmp_path) == []
