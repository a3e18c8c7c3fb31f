"""Alerts where people read them: DingTalk, WeCom and Feishu robots, e-mail and JSON webhooks, routed by a file.

- :mod:`.config` the channels file (``SOCIALLISTEN_ALERT_CHANNELS_FILE``) and its routes;
- :mod:`.dingtalk`, :mod:`.wecom`, :mod:`.feishu`, :mod:`.email`, :mod:`.webhook` one message per alert
  in each vendor's documented format and signature;
- :mod:`.text` the message's lines, the stream's text made inert for each format;
- :mod:`.router` routing, retries, rate limits, once per alert and channel, metrics;
- :mod:`.ledger` which alert went where (``alert_deliveries``).
"""
