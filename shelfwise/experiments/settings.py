"""Which settings an experiment's variants may override on each surface, and applying them.

A variant's `settings` are checked when the experiments are loaded for serving, so a typo in
`experiments.json` stops the server with a message naming the experiment, variant and setting,
instead of silently serving the default to half the traffic.

- search: fields of `SearchRequest` that change how results are found and ordered (mode,
  fusion, rerank, understand) plus `personalize` and `ranking` for the final ranking stage;
- recommend (and similar, bought_together, goes_with): fields of `RecommendServingConfig` (mmr_lambda,
  category_cap, history_events, in_stock_only) plus `personalize` and `ranking`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from shelfwise.config import RecommendServingConfig
from shelfwise.experiments.definitions import Experiment
from shelfwise.experiments.registry import ExperimentDefinitionError, describe_validation_error
from shelfwise.records import SearchRequest

SERVED_SURFACES: tuple[str, ...] = ("search", "recommend", "similar", "bought_together", "goes_with")
SEARCH_SETTINGS: frozenset[str] = frozenset({"mode", "fusion", "rerank", "understand"})
RECOMMEND_SETTINGS: frozenset[str] = frozenset(RecommendServingConfig.model_fields)
RankingObjective = Literal["off", "relevance", "ctr", "conversion", "revenue"]
STAGE_SETTINGS: frozenset[str] = frozenset({"personalize", "ranking"})


def known_settings(surface: str) -> frozenset[str]:
    base = SEARCH_SETTINGS if surface == "search" else RECOMMEND_SETTINGS
    return base | STAGE_SETTINGS


def check_settings(experiments: Iterable[Experiment]) -> None:
    """Raise `ExperimentDefinitionError` for the first variant setting a surface cannot apply."""
    for experiment in experiments:
        surfaces = experiment.surfaces or SERVED_SURFACES
        for surface in surfaces:
            if surface not in SERVED_SURFACES:
                raise ExperimentDefinitionError(
                    f"experiment '{experiment.name}': unknown surface '{surface}' "
                    f"(known: {', '.join(SERVED_SURFACES)})"
                )
            for variant in experiment.variants:
                where = f"experiment '{experiment.name}' variant '{variant.name}' on {surface}"
                unknown = sorted(set(variant.settings) - known_settings(surface))
                if unknown:
                    raise ExperimentDefinitionError(
                        f"{where}: unknown setting '{unknown[0]}' "
                        f"(known: {', '.join(sorted(known_settings(surface)))})"
                    )
                _check_values(surface, variant.settings, where)


def _check_values(surface: str, settings: Mapping[str, JsonValue], where: str) -> None:
    try:
        if surface == "search":
            apply_to_search(SearchRequest(), settings)
        else:
            apply_to_recommend(RecommendServingConfig(), settings)
        stage_settings(settings)
    except ValidationError as error:
        raise ExperimentDefinitionError(describe_validation_error(error, where)) from error
    except ValueError as error:
        raise ExperimentDefinitionError(f"{where}: {error}") from error


def apply_to_search(request: SearchRequest, settings: Mapping[str, JsonValue]) -> SearchRequest:
    """`request` with the search settings among `settings` applied (validated like a request)."""
    chosen = {key: value for key, value in settings.items() if key in SEARCH_SETTINGS}
    if not chosen:
        return request
    return SearchRequest.model_validate({**request.model_dump(), **chosen})


def apply_to_recommend(
    config: RecommendServingConfig, settings: Mapping[str, JsonValue]
) -> RecommendServingConfig:
    chosen = {key: value for key, value in settings.items() if key in RECOMMEND_SETTINGS}
    if not chosen:
        return config
    return RecommendServingConfig.model_validate({**config.model_dump(), **chosen})


class StageSettings(BaseModel):
    """The final ranking stage's switches for one request: None keeps the configured default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    personalize: bool | None = None
    ranking: RankingObjective | None = None


def stage_settings(settings: Mapping[str, JsonValue]) -> StageSettings:
    return StageSettings.model_validate({k: v for k, v in settings.items() if k in STAGE_SETTINGS})
