"""The `{product_id:product_id}` path convertor: any id except the names of the bulk routes.

With Starlette's `path` convertor, `/products/{product_id:path}` also matched `/products/bulk`, so
GET, PUT and DELETE /products/bulk read, wrote or deleted a product called 'bulk', beside the
documented POST /products/bulk. OpenAPI matches concrete paths before templated ones; so does
this convertor, and those requests are a 405 naming the methods /products/bulk really has.
"""

from __future__ import annotations

from starlette.convertors import PathConvertor, register_url_convertor

RESERVED_IDS = ("bulk", "bulk-delete")
RESERVED_SUFFIXES = ("/reviews",)
"""`/products/{id}/reviews` is a product's reviews (`serve/reviews_routes.py`), never a product
whose id ends so"""


class ProductIdConvertor(PathConvertor):
    regex = r"(?!(?:" + "|".join(RESERVED_IDS) + r")$)(?!.*(?:" + "|".join(RESERVED_SUFFIXES) + r")$).*"


class ReviewedProductConvertor(PathConvertor):
    """The product id of `/products/{id}/reviews`: any id but an empty one."""

    regex = r".+"


register_url_convertor("product_id", ProductIdConvertor())
register_url_convertor("reviewed_product_id", ReviewedProductConvertor())
