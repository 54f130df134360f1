from reconciler.diff import ABSENT, diff_fields, equal, leaves


def test_unordered_lists_compare_without_order_but_with_repetition() -> None:
    sets = frozenset({("s",), ("items", "[]", "s")})
    assert equal(["a", "b"], ["b", "a"], ("s",), sets)
    assert equal([{"name": "x", "v": 1}, {"name": "y"}], [{"name": "y"}, {"name": "x", "v": 1}], ("s",), sets)
    assert not equal(["a", "a"], ["a"], ("s",), sets)
    assert equal([{"s": [1, 2]}], [{"s": [2, 1]}], ("items",), sets)  # a set inside an ordered list's items
    assert not equal(1, True)


def test_other_lists_compare_in_order() -> None:
    assert not equal(["a", "b"], ["b", "a"])
    assert not equal([{"s": [1, 2]}, {"t": 1}], [{"t": 1}, {"s": [2, 1]}], ("items",), frozenset({("items", "[]", "s")}))
    assert equal([{"k": [1, 2]}], [{"k": [1, 2]}])


def test_field_changes_have_dotted_paths_and_absent_sides() -> None:
    before = {"a": {"b": 1, "c": [1, 2], "d": [1, 2]}, "gone": "x"}
    after = {"a": {"b": 2, "c": [2, 1], "d": [2, 1]}, "new": "y"}
    changes = [(c.dotted, c.before, c.after) for c in diff_fields(before, after, unordered=frozenset({("a", "c")}))]
    assert changes == [("a.b", 1, 2), ("a.d", [1, 2], [2, 1]), ("gone", "x", ABSENT), ("new", ABSENT, "y")]


def test_leaves_flatten_maps_but_keep_lists_whole() -> None:
    assert leaves({"a": {"b": [1, {"c": 2}]}, "d": 3}) == [(("a", "b"), [1, {"c": 2}]), (("d",), 3)]
