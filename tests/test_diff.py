from reconciler.diff import ABSENT, diff_fields, equal, leaves


def test_lists_compare_without_order_but_with_repetition() -> None:
    assert equal(["a", "b"], ["b", "a"])
    assert equal([{"name": "x", "v": 1}, {"name": "y"}], [{"name": "y"}, {"name": "x", "v": 1}])
    assert not equal(["a", "a"], ["a"])
    assert not equal(1, True)


def test_field_changes_have_dotted_paths_and_absent_sides() -> None:
    before = {"a": {"b": 1, "c": [1, 2]}, "gone": "x"}
    after = {"a": {"b": 2, "c": [2, 1]}, "new": "y"}
    changes = [(c.dotted, c.before, c.after) for c in diff_fields(before, after)]
    assert changes == [("a.b", 1, 2), ("gone", "x", ABSENT), ("new", ABSENT, "y")]


def test_leaves_flatten_maps_but_keep_lists_whole() -> None:
    assert leaves({"a": {"b": [1, {"c": 2}]}, "d": 3}) == [(("a", "b"), [1, {"c": 2}]), (("d",), 3)]
