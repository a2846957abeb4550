"""The only network code in bulkio: one httpx-based client for WooCommerce's REST API.

See :class:`StoreClient`. Everything else (imports, exports, the doctor) goes through it.
"""

from bulkio.store.client import BatchResult, ItemResult, Page, StoreClient
from bulkio.store.errors import (
    AuthenticationError,
    BatchTooLarge,
    NotFound,
    StoreError,
    TransportError,
    UnexpectedResponse,
    WooError,
)
from bulkio.store.stats import RequestStats
from bulkio.store.urls import ApiRoot, normalise_site_url

__all__ = [
    "ApiRoot",
    "AuthenticationError",
    "BatchResult",
    "BatchTooLarge",
    "ItemResult",
    "NotFound",
    "Page",
    "RequestStats",
    "StoreClient",
    "StoreError",
    "TransportError",
    "UnexpectedResponse",
    "WooError",
    "normalise_site_url",
]
