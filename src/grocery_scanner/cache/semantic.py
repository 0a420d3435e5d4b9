"""The cache's semantic tier: a search whose query means the same as one whose answer a store's cache
already holds is asked with that query, so the answer comes from the cache ("all-purpose flour" for
"all purpose flour", "yoghurt" for "yogurt").

Candidates come from WordLlama embeddings (256 dimensions; the weights ship inside its package and are
loaded from there, downloads disabled) in a Qdrant collection: local mode on disk in the data folder,
or a server by URL. Similarity alone would serve "unsweetened" for "sweetened condensed milk" (0.91),
so a candidate is used only when the matcher's rules say both name the same product (`same_product`).
Its libraries take about two seconds to import: the tier is on only where the settings ask for it.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grocery_scanner.matching.matcher import Matcher

if TYPE_CHECKING:
    from qdrant_client import AsyncQdrantClient

log = logging.getLogger(__name__)
COLLECTION = "queries"
DIMENSIONS = 256
CANDIDATES = 5
MIN_SCORE = 0.5  # below, not even a candidate


class SemanticQueries:
    def __init__(self, location: str, matcher: Matcher | None = None) -> None:
        self._location = location  # a folder (local mode) or an http(s) URL (a Qdrant server)
        self._matcher = matcher or Matcher()
        self._client: AsyncQdrantClient | None = None
        self._model: Any = None
        self.unavailable = False
        self.served = 0  # searches asked with an equivalent query

    async def _ready(self) -> AsyncQdrantClient | None:
        if self._client is not None or self.unavailable:
            return self._client
        try:
            root = logging.getLogger()
            handlers, level = list(root.handlers), root.level
            import wordllama  # it configures the root logger when imported: put back as it was

            root.handlers[:], root.level = handlers, level
            from qdrant_client import AsyncQdrantClient, models

            package = Path(wordllama.__file__).parent
            self._model = wordllama.WordLlama.load(dim=DIMENSIONS, cache_dir=package, disable_download=True)
            if self._location.startswith(("http://", "https://")):
                client = AsyncQdrantClient(url=self._location)
            else:
                client = AsyncQdrantClient(path=self._location)  # it makes the folder
            if not await client.collection_exists(COLLECTION):
                vectors = models.VectorParams(size=DIMENSIONS, distance=models.Distance.COSINE)
                await client.create_collection(COLLECTION, vectors_config=vectors)
        except Exception as exc:  # another process holds the local store, a server is down: no semantic tier
            log.warning("semantic cache unavailable (%s: %s): searches use their own query", type(exc).__name__, exc)
            self.unavailable = True
            return None
        self._client = client
        return client

    def _vector(self, query: str) -> list[float]:
        return [float(x) for x in self._model.embed([query])[0]]

    async def equivalent(self, store_id: str, query: str) -> str | None:
        """A query already answered at this store that names the same product, if there is one; a
        failure of the tier is no candidate, never a failed search."""
        try:
            return await self._equivalent(store_id, query)
        except Exception as exc:
            log.warning("semantic cache lookup failed (%s: %s)", type(exc).__name__, exc)
            return None

    async def _equivalent(self, store_id: str, query: str) -> str | None:
        client = await self._ready()
        if client is None:
            return None
        from qdrant_client import models

        only_store = models.Filter(
            must=[models.FieldCondition(key="store_id", match=models.MatchValue(value=store_id))]
        )
        found = await client.query_points(
            COLLECTION,
            query=self._vector(query),
            query_filter=only_store,
            limit=CANDIDATES,
            score_threshold=MIN_SCORE,
            with_payload=True,
        )
        for point in found.points:
            known = str((point.payload or {}).get("query", ""))
            if known and known != query and self._matcher.same_product(known, query):
                self.served += 1
                return known
        return None

    async def remember(self, store_id: str, query: str) -> None:
        """A query whose answer the store's cache now holds (not kept when the tier fails)."""
        try:
            await self._remember(store_id, query)
        except Exception as exc:
            log.warning("semantic cache could not keep a query (%s: %s)", type(exc).__name__, exc)

    async def _remember(self, store_id: str, query: str) -> None:
        client = await self._ready()
        if client is None:
            return
        from qdrant_client import models

        point_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{store_id}|{query}"))
        point = models.PointStruct(
            id=point_id, vector=self._vector(query), payload={"store_id": store_id, "query": query}
        )
        await client.upsert(COLLECTION, points=[point])

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
