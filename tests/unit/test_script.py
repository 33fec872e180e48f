from graph.script import detect_script, normalize, to_simplified, to_traditional


def test_conversion_keeps_length_and_offsets():
    text = "螞蟻金服與南京銀行達成合作，發布了《報告》"
    simp = to_simplified(text)
    assert len(simp) == len(text)
    assert simp.startswith("蚂蚁金服与南京银行")
    assert to_traditional("蚂蚁金服") == "螞蟻金服"


def test_normalize_compares_across_scripts_and_widths():
    assert normalize("南京銀行") == normalize("南京银行")
    assert normalize("ＩＢＭ") == normalize("IBM")


def test_detect_script():
    assert detect_script("螞蟻金服發布了新產品") == "zh-Hant"
    assert detect_script("蚂蚁金服发布了新产品") == "zh-Hans"
