"""Brand and competitor mentions on real sentences (reviews, takeout, Weibo), dev lexicon."""

from __future__ import annotations

import pytest

from tests.unit.text._support import analyzer

CASES = [
    # (text, expected canonical brands)
    ("华为手机挺好的，一直都用华为，郁闷的就是屏幕太容易坏了！", ["华为"]),
    ("还是光明倍优鲜牛奶最好喝，蒙牛的纯牛奶其次，伊利的太次", ["光明", "蒙牛", "伊利"]),
    ("东西和美的售后都很不错。唯一不太好的就是耗电量很大哦", ["美的"]),
    ("内存三星，硬盘西数，屏幕也是三星的。xp很好装的", ["三星"]),
    ("连续抢了2次小米3，都沒有，下次买华为", ["小米", "华为"]),
    ("华为荣耀平板真的非常不错，不仅在价格上有优势，做工精细", ["华为"]),
    ("在当当买书无数，唯此书最垃圾", ["当当"]),
    ("不错，这个很实惠，洗发护发都有，味道有清新，最重要的是京东方便有快捷，辛苦了。", ["京东"]),
    ("我在用iPhone应用“边吃边瘦”记录今天晚餐吃了蒙牛冠益乳，107克", ["苹果", "蒙牛"]),
    ("竟然误买了蒙牛的酸奶，决定倒掉，坚决不喝 @蒙牛乳业", ["蒙牛"]),
    ("个别产品出现问题其实正常，关键是对待问题的态度要让消费者满意。@蒙牛微客服", ["蒙牛"]),
    # traditional characters and Latin names in any case
    ("華仔，你覺得小米手機怎麼樣？你有沒有用過小米手機？", ["小米"]),
    ("剪好后就可以直接放进IPHONE 5，无需打磨", ["苹果"]),
    ("想换个HUAWEI，还是Samsung好？", ["华为", "三星"]),
    # names that are common words: not the brand
    ("苹果很甜，虽然个头不大。物流也很快，只有一个苹果有些瑕疵。", []),
    ("这辈子都不会再去了，大家千万不要被华美的大堂，走廊给欺骗", []),
    ("舞台上的歌者，不经意的定格瞬间，唯美的画面，你感觉到了吗？", []),
    ("看图得知昨晚的阳光明媚，呀！", []),
    ("全力支持，个人认为win8的前途还是非常光明的！", []),
    ("送饭过来的时候连声抱歉就给个三星吧。希望以后改进！", []),
    ("不知老板什么本事居然搞了挂牌三星，我看就是一个农家乐吧", []),
    ("#周一见# 马伊利真无辜，可怜，文章连道歉都是抄袭的", []),
    ("这是苹果日报的兴趣所在", []),
    ("德娃，累稀罕小米粥", []),
    ("音质棒棒哒！玩游戏还行，像玩王者荣耀这类游戏完全不卡顿", []),
    ("真的很差，送餐时间足足晚了1个小时，还不让取消订单，霸王条款呀。", []),
    ("#神舟十号# e笑歌旅游v苏州吴中―太湖最美的地方", []),
    ("@小米在外 @沙早_寥若星辰", []),
    ("学php的同学都知道", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_brand_mentions(text: str, expected: list[str]) -> None:
    assert sorted(analyzer().analyze(text).brands) == sorted(expected)


def test_competitors_and_own_brand() -> None:
    a = analyzer().analyze("从不喝蒙牛伊利的飘过，小孩以前喝特伦苏，现在喝光明")
    assert "蒙牛" in a.brands and a.own_brand
    assert "蒙牛" not in a.competitors and "伊利" in a.competitors and "光明" in a.competitors
    assert "competitor_mention" in a.signals and "own_mention" in a.signals
    assert a.evidence["brands"]  # the matched names


def test_no_brand_no_mention_signals() -> None:
    a = analyzer().analyze("饺子上粘着虫，怎么吃")
    assert a.brands == [] and a.competitors == [] and not a.own_brand
    assert "competitor_mention" not in a.signals and "own_mention" not in a.signals
