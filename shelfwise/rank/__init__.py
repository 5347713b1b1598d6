"""The CTR/CVR ranking stage: a multi-task network (ESMM or MMoE) trained on labelled
impressions, its report, its artifacts and the serving stage that blends it with relevance.
Training it is `shelfwise.rank.train` (not re-exported here, so serving never imports it)."""

from shelfwise.rank.artifacts import Predictions, Ranker, active_ranker_path, ranker_registry
from shelfwise.rank.examples import Impressions, Split, split_impressions
from shelfwise.rank.features import (
    FeatureBatch,
    FeatureBuilder,
    FeatureConfig,
    FeatureSpec,
    QueryEncoder,
    UserFeatureProvider,
)
from shelfwise.rank.metrics import RankerReport, TaskMetrics
from shelfwise.rank.model import ModelConfig, RankerNetwork, esmm_loss
from shelfwise.rank.stage import (
    BlendConfig,
    Objective,
    RankContext,
    RankedCandidates,
    RankingStage,
    RankScores,
    blend_scores,
)

__all__ = [
    "BlendConfig",
    "FeatureBatch",
    "FeatureBuilder",
    "FeatureConfig",
    "FeatureSpec",
    "Impressions",
    "ModelConfig",
    "Objective",
    "Predictions",
    "QueryEncoder",
    "RankContext",
    "RankScores",
    "RankedCandidates",
    "Ranker",
    "RankerNetwork",
    "RankerReport",
    "RankingStage",
    "Split",
    "TaskMetrics",
    "UserFeatureProvider",
    "active_ranker_path",
    "blend_scores",
    "esmm_loss",
    "ranker_registry",
    "split_impressions",
]
