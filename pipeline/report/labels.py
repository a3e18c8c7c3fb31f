"""Chinese names of the codes a report shows (sentiments, signals, service categories, platforms)."""

from __future__ import annotations

SENTIMENT = {"positive": "正面", "neutral": "中性", "negative": "负面"}
CATEGORY = {
    "logistics": "物流", "missing_parts": "缺件", "quality": "质量问题", "refund": "退款",
    "return_exchange": "退换货", "account_payment": "账户支付", "service_complaint": "客服投诉",
    "how_to": "使用咨询", "other": "其他",
}
PLATFORM = {"weibo": "微博", "wechat": "微信", "tieba": "贴吧", "qq": "QQ群", "xiaohongshu": "小红书"}
SIGNAL = {
    "mention": "提及", "negative": "负面", "service_request": "客服请求", "competitor_mention": "竞品提及",
    "buyer": "买家", "purchase_intent": "购买意向", "positive": "正面",
}
WEEKDAY = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def zh(table: dict[str, str], code: str) -> str:
    """The Chinese name of ``code``, or the code itself when it has none."""
    return table.get(code, code)
