"""The classify and eval commands, run in-process through typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import pipeline.cli.classify  # noqa: F401 - registers the command
import pipeline.cli.evaluate  # noqa: F401 - registers the command
from pipeline.cli import app
from tests.unit.text._support import DEV_LEXICON, LABELLED, SENTIMENT

runner = CliRunner()


def test_classify_mixed_good_and_bad_lines() -> None:
    event = {
        "id": "weibo:4490012345",
        "platform": "weibo",
        "kind": "repost",
        "root_id": "weibo:4490000001",
        "parent_id": "weibo:4490000777",
        "author": {"id": "1812711584", "name": "小王"},
        "text": "已经回购第三次了，特仑苏还是那么好喝//@蒙牛乳业:新品上市",
        "created_at": "2024-05-01T12:00:00+08:00",
    }
    lines = [
        json.dumps(event, ensure_ascii=False).encode(),
        b"{broken json",
        b"[1, 2]",
        b'{"id": "a"}',
        b'{"id": "", "text": "x"}',
        b'{"id": 7, "text": "x"}',
        b'{"id": "b", "text": "   "}',
        b'{"id": "c", "text": "\xe5\x8f\xff"}',
        '{"id": "d", "text": "送餐简直慢死了！！", "title": 3}'.encode(),
        '{"id": "e", "text": "送餐简直慢死了！！"}'.encode(),
        b"",
    ]
    result = runner.invoke(app, ["classify", "--lexicon", str(DEV_LEXICON)], input=b"\n".join(lines) + b"\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["id"] == "weibo:4490012345" and out[0]["buyer"] and out[0]["brands"] == ["蒙牛"]
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert "JSON" in errors[2] and "object" in errors[3] and "text" in errors[4]
    assert "id" in errors[5] and "id" in errors[6] and "text" in errors[7] and "UTF-8" in errors[8]
    assert "title" in errors[9]
    assert out[9]["id"] == "e" and out[9]["service_request"] and out[9]["service_category"] == "logistics"
    assert "lines/s" in result.stderr and "9 errors" in result.stderr


def test_classify_keeps_order_across_batches() -> None:
    texts = [{"id": f"x{i}", "text": "货已收到" if i % 2 else "想买"} for i in range(7)]
    data = "\n".join(json.dumps(t, ensure_ascii=False) for t in texts) + "\nnope\n"
    result = runner.invoke(app, ["classify", "--lexicon", str(DEV_LEXICON), "--batch", "2"], input=data)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == [f"x{i}" for i in range(7)] + [None]
    assert [o["buyer"] for o in out[:7]] == [bool(i % 2) for i in range(7)]
    assert out[7] == {"line": 8, "error": out[7]["error"]}


def test_classify_with_a_broken_lexicon(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("brands:\n  - aliases: [x]\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--lexicon", str(bad)], input="")
    assert result.exit_code == 2 and "brands[0]" in result.stderr


def test_eval_prints_a_table_and_json() -> None:
    args = ["eval", str(LABELLED), "--lexicon", str(DEV_LEXICON), "--sentiment", str(SENTIMENT), "--draws", "50"]
    args.append("--json")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "precision" in result.stdout and "service_request" in result.stdout
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["rows"] == 321 and report["sentiment_file"]["rows"] == 1500
    assert set(report) >= {"buyer", "service_request", "brands", "competitors"}
    buyer = report["buyer"]["all"]
    assert buyer["tp"] + buyer["fp"] + buyer["fn"] + buyer["tn"] == 321
    lo, hi = buyer["interval_95"]["precision"]
    assert lo <= buyer["precision"] <= hi


def test_eval_scores_a_split_of_the_project_labels_per_source_and_domain(tmp_path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "reviews" / "online_shopping_10_cats.csv"
    corpus.parent.mkdir()
    corpus.write_text("cat,label,review,id\n酒店,1,房间干净，服务很好,1\n酒店,0,隔音太差，一夜没睡,2\n书籍,1,好书,3\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["eval", "--split", "dev", "--draws", "20", "--hotel-corpus", str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["split"] == "dev" and report["rows"] == 465
    assert {"all", "waimai_10k", "ecd_taobao_cs"} <= set(report["service_request"])
    assert report["purchase_intent"]["all"]["rows"] == 465
    assert {"all", "in-domain reviews", "hotel (held out)", "weibo"} <= set(report["sentiment"])
    assert report["hotel_corpus"]["rows"] == 2
    assert "Sentiment (three classes) per domain" in result.stdout
    bad = runner.invoke(app, ["eval", "--split", "nope"])
    assert bad.exit_code != 0


def test_eval_scores_another_models_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``--models``: an empty directory leaves every decision to the rules; a missing one is refused."""
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(LABELLED.read_text(encoding="utf-8").splitlines(keepends=True)[:120]), encoding="utf-8")
    empty = tmp_path / "models"
    empty.mkdir()
    args = ["eval", str(rows), "--lexicon", str(DEV_LEXICON), "--draws", "20", "--json"]
    shipped = json.loads(runner.invoke(app, args).stdout.strip().splitlines()[-1])
    result = runner.invoke(app, [*args, "--models", str(empty)])
    assert result.exit_code == 0, result.output
    rules = json.loads(result.stdout.strip().splitlines()[-1])
    assert rules["rows"] == shipped["rows"] == 120
    differs = [k for k in ("buyer", "service_request") if rules[k]["all"] != shipped[k]["all"]]
    assert differs, "the learned heads changed no decision on the shared dev rows"
    missing = runner.invoke(app, [*args, "--models", str(empty / "nope")])
    assert missing.exit_code == 2 and "not a directory" in missing.stderr
