"""Static files as production serves them: collected, named by a hash of their content.

WhiteNoise's storage, with one addition: in the chat's own ES modules
(``static/chat/js/``), ``import "./x.js";`` and ``... from "./x.js";`` are rewritten to
the hashed name, as a stylesheet's ``url()`` is. ``main.js`` imports the page's other
modules by relative path; rewritten, every file the page loads is immutable (cached for
ever), and a changed module changes the name of every module that imports it. Django's
own switch for this (``support_js_module_import_aggregation``) reads every collected
script, and its patterns take other apps' minified code for imports.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

#: The relative imports of the chat's modules, and what each becomes (``%(url)s`` hashed).
MODULE_IMPORTS = (
    "chat/js/*.js",
    (
        (r"""(?P<matched>import\s*["'](?P<url>\.{1,2}/[^"'\s]+)["']\s*;)""", 'import "%(url)s";'),
        (r"""(?P<matched>from\s*["'](?P<url>\.{1,2}/[^"'\s]+)["']\s*;)""", 'from "%(url)s";'),
    ),
)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed copies, the chat's modules importing each other by hashed name."""

    patterns = (*CompressedManifestStaticFilesStorage.patterns, MODULE_IMPORTS)
