def test_tokens_cover_original_traditional_text(nlp):
    text = "中國工商銀行副行長表示,將與騰訊合作。"
    doc = nlp.make_doc(text)
    assert "".join(t.text_with_ws for t in doc) == text
    assert doc._.norm_text == "中国工商银行副行长表示,将与腾讯合作。"
    # knowledge-base names are single tokens, whatever the script
    assert "中國工商銀行" in [t.text for t in doc]
    assert all(t.tag_ for t in doc)


def test_sentences_split_on_chinese_and_ascii_enders(run):
    doc = run("第一句。第二句!第三句;第四句？第五句")
    assert len(list(doc.sents)) == 5


def test_stock_tokenizer_ignores_words_added_to_jiebas_default():
    """The models' jieba features must stay those they were trained on, whatever a program adds to jieba."""
    import jieba

    from graph.nlp.segment import stock_tokenizer

    text = "甲乙丙丁公司收购了戊己庚辛。"
    before = stock_tokenizer().lcut(text, HMM=False)
    jieba.add_word("戊己庚辛", freq=10**7)
    try:
        assert "戊己庚辛" in jieba.lcut(text, HMM=False)
        assert stock_tokenizer().lcut(text, HMM=False) == before
        assert "戊己庚辛" not in before
    finally:
        jieba.del_word("戊己庚辛")
    assert stock_tokenizer() is stock_tokenizer()
