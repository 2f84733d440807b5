"""The shipped evaluators: loaded by config, and eval imports that flow one way
(attribute_evaluator <- hue_separated_evaluator <- shipped_evaluators)."""

import ast
import inspect

import pytest

from tf_t2v.eval import attribute_evaluator, hue_separated_evaluator, shipped_evaluators
from tf_t2v.eval.shipped_evaluators import load_evaluator


def _imported_modules(module):
    """Every module a module imports, at its top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_imports_flow_one_way():
    assert "tf_t2v.eval.hue_separated_evaluator" not in _imported_modules(attribute_evaluator)
    assert "tf_t2v.eval.shipped_evaluators" not in _imported_modules(attribute_evaluator)
    assert "tf_t2v.eval.shipped_evaluators" not in _imported_modules(hue_separated_evaluator)
    assert "tf_t2v.eval.hue_separated_evaluator" in _imported_modules(shipped_evaluators)


def test_evaluators_load_by_bare_or_dataset_qualified_config():
    ref = load_evaluator("single_64")
    assert load_evaluator("moving_shapes/single_64").get_config() == ref.get_config()
    assert load_evaluator("scenes/scenes_64").get_config() == load_evaluator("scenes_64").get_config()
    assert not load_evaluator("scenes_64").regress_start and ref.regress_start


def test_unknown_config_is_refused():
    with pytest.raises(ValueError, match="No attribute evaluator for moving_shapes/single_99"):
        load_evaluator("single_99")
    with pytest.raises(ValueError, match="No attribute evaluator for scenes/scenes_32"):
        load_evaluator("scenes/scenes_32")
    with pytest.raises(ValueError, match="Unknown dataset 'mnist'"):
        load_evaluator("mnist/single_64")
