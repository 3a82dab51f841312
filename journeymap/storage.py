"""Static files in production: hashed names, compressed, served by WhiteNoise."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

OWN_MODULES = "js/"  # static/js/: the page's own JavaScript modules


class StaticFiles(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, with the `import … from "./x.js";` of the page's own JavaScript
    modules rewritten to the hashed names too.

    Without it a module that the page loads as `room.<hash>.js` is imported by its neighbours as
    `room.js`: another URL, so the browser runs it a second time (a second live connection) and
    caches it under a name that does not change when it does. Packages' scripts (django-htmx's
    extensions import files it does not ship) are left as they come.
    """

    support_js_module_import_aggregation = True
    _imports = CompressedManifestStaticFilesStorage._js_module_import_aggregation_patterns[1]
    _import_templates = frozenset(template for _pattern, template in _imports)

    def url_converter(self, name, hashed_files, template=None):
        if template in self._import_templates and not name.startswith(OWN_MODULES):
            return lambda match: match["matched"]
        return super().url_converter(name, hashed_files, template)
