"""Source adapters (quix-streams' ``Source`` shape): each ``run()`` yields raw payloads while ``running``.

:func:`~pipeline.ingest.sources.base.pump` normalizes what a source yields and hands it to a publisher. Adapter
modules are imported on use so that one source's client library is not needed by another.
"""

from pipeline.ingest.sources.base import Backoff, RawItem, Source, StateFile, handle_item, pump, read_secret

__all__ = ["Backoff", "RawItem", "Source", "StateFile", "handle_item", "pump", "read_secret"]
