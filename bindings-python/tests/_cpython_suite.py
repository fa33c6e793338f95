"""Runs one of CPython's own test modules (``test.test_<name>``) against
a stand-in put in ``sys.modules`` before the test module is imported, so
every reference and patch of the module in it lands on the stand-in.
Nothing of the test modules is copied into this project."""

import importlib
import io
import sys
import unittest


def run_cpython_suite(test_module, module_name, stand_in):
    """(unittest result, verbose log) of `test_module` run with `stand_in`
    as ``sys.modules[module_name]``; sys.modules is restored after."""
    saved = sys.modules.get(module_name)
    saved_test = sys.modules.pop(test_module, None)
    sys.modules[module_name] = stand_in
    try:
        mod = importlib.import_module(test_module)
        assert getattr(mod, module_name) is stand_in
        suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
        stream = io.StringIO()
        result = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
        return result, stream.getvalue()
    finally:
        sys.modules.pop(test_module, None)
        if saved_test is not None:
            sys.modules[test_module] = saved_test
        if saved is not None:
            sys.modules[module_name] = saved
        else:
            sys.modules.pop(module_name, None)
