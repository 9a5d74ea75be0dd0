"""The admin site as the product's own: its name and the organisation's in every title and
header (instead of "Django-beheer"), no link to a "website" (the root is the API's English
documentation), and no navigation sidebar, so the klanten pages have the full width."""

from django.contrib import admin
from django.utils.functional import lazy

from klanten import huisstijl

INDEX_TITEL = "Beheer van klantgegevens"


def richt_in(site: admin.AdminSite | None = None) -> None:
    site = site or admin.site
    titel = lazy(huisstijl.titel, str)()  # read at every page: the setting may change
    site.site_header = titel
    site.site_title = titel
    site.index_title = INDEX_TITEL
    site.site_url = None
    site.enable_nav_sidebar = False
