"""The server's retention purge (`privacy.retention_days`): a background task that deletes old
events, impressions and exposures at start-up and then every `privacy.purge_every_seconds`, in a
thread of its own (not the request threads); the stores delete in small transactions, so
requests and /events wait little for it."""

from __future__ import annotations

import asyncio
import logging

from shelfwise.serving import Serving

logger = logging.getLogger("shelfwise.serve")


async def purge_forever(shelfwise: Serving) -> None:
    every = shelfwise.settings.privacy.purge_every_seconds
    while True:
        try:
            report = await asyncio.to_thread(shelfwise.purge_expired)
        except Exception:  # keep serving; the next round retries
            logger.exception("the retention purge failed")
        else:
            if report is not None and (report.events or report.impressions or report.exposures):
                logger.info("retention purge before %s: %d events, %d impressions, %d exposures",
                            report.cutoff.isoformat(), report.events, report.impressions,
                            report.exposures)  # fmt: skip
        await asyncio.sleep(every)
