"""bulkio: move data between files and WooCommerce stores through the REST API.

The package is a library first; :mod:`bulkio.cli` is a thin click layer over it. The data flow
is ``sources`` → ``mapping`` → ``records`` → ``plan`` → ``apply`` → ``report`` for imports and
``store`` → ``export`` → ``writers`` for exports; :mod:`bulkio.store` is the only module that
talks to the network. :mod:`bulkio.sandbox` is a local WooCommerce emulator that product code
never imports.
"""

__version__ = "0.1.0"
