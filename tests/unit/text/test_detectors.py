"""Buyer, service-request and purchase-intent detectors on real sentences.

The sentences come from the corpora in /work/shared/data (product and takeout reviews,
Weibo posts and reposts, customer messages to Taobao shops), in both scripts.
"""

from __future__ import annotations

import pytest

from tests.unit.text._support import analyzer

BUYERS = [
    "货已收到，物流速度很快，很愉快的一次购物",
    "第二次买了。",
    "甜又脆，很新鲜，苹果吃的是健康吧，第二次购买了，继续加油哈",
    "老婆说不是很好用，有点头屑，头皮痒",
    "鸡丝凉面太太太难吃啦",
    "订单是三个越南红心火龙果，可是来的是四个白心的，是失误发错了，还是故意发的？",
    "亲请问快递送到哪里了",
    "東西收到了，質量很好，物流也很快",  # traditional script
    "刚收到就降价，另外送货竟然没有送家在半路上给我打电话临时让人去取",
    "这次入住的是大床房，依旧是紧促的布局，舒服的床，总体来说，还是很不错的！",
]
NOT_BUYERS = [
    "想买个诺基亚",  # intent, not a purchase
    "我买的有点多有没有什么优惠",  # a question before buying
    "三号可以到吗大概",
    "很良心的平板 支持国货。",  # an opinion without first-hand use
    "今天有两个中江县红十字会的人来我们这里购买了1万多元的救灾药品，要求我们开5万多元的发票。",
    "【李登辉今天凌晨心脏病复发身亡】台北快讯：原国民党、台联党主席李登辉与今天凌晨在其家中因心脏病复发抢救无效死亡。",
    "海关总署中国电子口岸数据中心单一来源采购IBM中高端设备维保服务，600亿人民币！！！"
    "请看中国政府采购网公示：http://t.cn/zT7ipvh @李承鹏 你怎么看？",
    "十亿美元都是硬币！这是大气还是小气啊！",
]


@pytest.mark.parametrize("text", BUYERS)
def test_buyers(text: str) -> None:
    a = analyzer().analyze(text)
    assert a.buyer, a.evidence
    assert a.evidence["buyer"] and "buyer" in a.signals


@pytest.mark.parametrize("text", NOT_BUYERS)
def test_not_buyers(text: str) -> None:
    a = analyzer().analyze(text)
    assert not a.buyer, a.evidence
    assert a.evidence["buyer"] == []


SERVICE = [
    # (text, category)
    ("买了几次苹果，这次最差劲，收到当天吃了一个，发霉了。今天吃第二个，还是发霉", "quality"),
    ("12点下单,13点20才收到,耽误了电影开场不说,咖啡直接洒成小杯的了", "logistics"),
    ("订单取消，一直不给退钱，太差了，打了n次电话，这么差的店再不会来", "refund"),
    ("这次我写了我要勺子就给了我筷子，我还特地写了我需要两把勺子还是不给勺子。", "missing_parts"),
    ("为什么领不了5块的优惠券", "account_payment"),
    ("299的湿巾和399的湿巾有什么区别", "how_to"),
    ("问了半天无人答复，服务差到不行，还是官方店铺，实在不敢恭维", "service_complaint"),
    ("手机坏的。要求换货，没有人收，", "return_exchange"),
    ("發的安徽省要幾天能到", "logistics"),  # traditional script
    ("十号就下的单怎么现在还没发货啊", "logistics"),
]
NOT_SERVICE = [
    "鸡丝凉面太太太难吃啦",  # dislike, no concrete problem
    "服务态度好，送餐速度快，非常好～",
    "收货包装完好，配件齐全，LED显示屏不错，未发现坏点",  # negated problems
    pytest.param(
        "为什么这些问题我都没有？难道我手机坏了？",  # rhetorical
        marks=pytest.mark.xfail(strict=True, reason="the learned service head takes it for a device defect (issue 23)"),
    ),
    "【保护小动物们的好消息来了！[鼓掌]】上海已开通全国首个卖猫狗肉的举报电话！只要拨打食品药品安全投诉热线12331就可举报",
    "洋毒食——国家质检总局进口不合格食品黑榜：挪威的大西洋鲑鱼，检出副溶血性弧菌，被销毁。均发现铜超标，被退货或销毁。",
    "衣服和想象中的一样，非常满意，破洞的牛仔裤很喜欢，穿着也舒服。物流挺给力的，客服也很好。",
    "528105689823",
]


@pytest.mark.parametrize(("text", "category"), SERVICE)
def test_service_requests(text: str, category: str) -> None:
    a = analyzer().analyze(text)
    assert a.service_request, a.evidence
    assert a.service_category == category
    assert a.priority in ("urgent", "high", "normal", "low")
    assert a.evidence["service_request"]


@pytest.mark.parametrize("text", NOT_SERVICE)
def test_not_service_requests(text: str) -> None:
    a = analyzer().analyze(text)
    assert not a.service_request, a.evidence
    assert a.service_category is None and a.priority is None


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("必须投诉！！订的早餐三个小时才送对了我要的！我早上9点订餐到现在快12点还没到！", "urgent"),
        ("吃了拉肚子，不知道是不是火龙果的锅", "urgent"),
        ("差评！！！！这是怎么配送的？都撒了！好恶心！不想喝了！", "high"),
        ("又一次没筷子，不过快递员服务很好，只能说店家太不细致了。", "high"),
        ("发的安徽省要几天能到", "normal"),
        ("299的湿巾和399的湿巾有什么区别", "low"),
    ],
)
def test_priority(text: str, priority: str) -> None:
    a = analyzer().analyze(text)
    assert a.service_request and a.priority == priority


INTENT = [
    "想买个诺基亚",
    "好像很有趣 我也想买来泡泡看[偷笑]",
    "一直想买來吃...",
    "我想买一斤装的",
    "多少钱呢",
]
NOT_INTENT = [
    "不怎么样，不想买《下》了。文字拖泥带水",
    pytest.param(
        "蒙牛这个活动什么时候开奖",  # a question about a brand's lottery, not about buying
        marks=pytest.mark.xfail(strict=True, reason="the intent head reads a question to a brand as intent (issue 23)"),
    ),
    "货已收到，物流速度很快，很愉快的一次购物",
    "十亿美元都是硬币！这是大气还是小气啊！",
]


@pytest.mark.parametrize("text", INTENT)
def test_purchase_intent(text: str) -> None:
    a = analyzer().analyze(text)
    assert a.purchase_intent and a.evidence["purchase_intent"]
    assert "purchase_intent" in a.signals


@pytest.mark.parametrize("text", NOT_INTENT)
def test_no_purchase_intent(text: str) -> None:
    assert not analyzer().analyze(text).purchase_intent
