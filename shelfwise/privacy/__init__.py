"""Shoppers' data: forgetting a shopper in every store (`forget_shopper`), retention purges
(`purge_before`), the forget log that tells server processes, and pseudonymous ids."""

from shelfwise.privacy.forget import (
    ForgetReport,
    PurgeReport,
    ShopperData,
    forget_shopper,
    purge_before,
    shopper_actors,
)
from shelfwise.privacy.forget_log import FORGET_LOG_FILE, ForgetLog
from shelfwise.privacy.forgotten import ForgottenSince, actor_digest
from shelfwise.privacy.pseudonym import Pseudonymizer

__all__ = [
    "FORGET_LOG_FILE",
    "ForgetLog",
    "ForgetReport",
    "ForgottenSince",
    "Pseudonymizer",
    "PurgeReport",
    "ShopperData",
    "actor_digest",
    "forget_shopper",
    "purge_before",
    "shopper_actors",
]
