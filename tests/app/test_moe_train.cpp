// moe-train end to end: flags, config files, JSON output, errors, checkpoints.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

#include <nlohmann/json.hpp>

#include "core/train/checkpoint.h"

namespace {

struct Result {
  int code = -1;
  QByteArray out, err;
};

Result run(const char* program, const QStringList& args) {
  QProcess p;
  p.start(program, args);
  p.waitForFinished(300000);
  return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

Result runTrain(const QStringList& args) { return run(MOE_TRAIN_BIN, args); }

QJsonObject lastJson(const QByteArray& out) {
  const auto lines = out.trimmed().split('\n');
  return QJsonDocument::fromJson(lines.last()).object();
}

const QStringList kSmall{"--max-train", "2000", "--threads", "2", "--json"};

}  // namespace

class TestMoeTrain : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void jsonSummaryHasTheRequiredFields() {
    const Result r = runTrain(kSmall);
    QCOMPARE(r.code, 0);
    const auto lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);  // one epoch line, one summary line
    const QJsonObject s = lastJson(r.out);
    for (const char* key : {"train_samples_per_s", "test_accuracy", "test_loss", "expert_load",
                            "load_cv", "max_vio", "dropped_fraction", "params_total",
                            "params_active_per_input"})
      QVERIFY2(s.contains(key), key);
    QCOMPARE(s["expert_load"].toArray().size(), 8);
    QVERIFY(s["test_accuracy"].toDouble() > 0.5);
    // 8 experts of 784-256-10 plus a 784x8 router; top-2 uses two experts per input.
    QCOMPARE(s["params_total"].toInteger(), 8 * (784 * 256 + 256 + 256 * 10 + 10) + 784 * 8 + 8);
    QCOMPARE(s["params_active_per_input"].toInteger(), 2 * (784 * 256 + 256 + 256 * 10 + 10) + 784 * 8 + 8);
  }

  void badInputIsAClearError_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("unknown flag") << QStringList{"--no-such-flag"} << "no-such-flag";
    QTest::newRow("router") << QStringList{"--router", "bogus"} << "router";
    QTest::newRow("top-k > experts") << QStringList{"--experts", "4", "--top-k", "5"} << "top-k";
    QTest::newRow("negative lr") << QStringList{"--lr", "-1"} << "learning rate";
    QTest::newRow("not a number") << QStringList{"--epochs", "many"} << "epochs";
    QTest::newRow("dataset") << QStringList{"--dataset", "nope"} << "nope";
    QTest::newRow("missing idx dir") << QStringList{"--dataset", "idx:/nonexistent"} << "nonexistent";
    QTest::newRow("backend") << QStringList{"--backend", "tpu"} << "tpu";
    QTest::newRow("history folder") << QStringList{"--max-train", "300", "--history",
                                                   "/nonexistent/run.jsonl"} << "nonexistent";
  }
  void badInputIsAClearError() {
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    const Result r = runTrain(args);
    QVERIFY2(r.code != 0, r.out.constData());
    QVERIFY2(QString::fromUtf8(r.err).contains(mentions, Qt::CaseInsensitive), r.err.constData());
  }

  void configFileAndFlagOverride() {
    QTemporaryDir dir;
    const QString cfg = dir.filePath("run.json");
    QFile f(cfg);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"router": "switch", "experts": 4, "capacity_factor": 2.0, "lr": 0.002})");
    f.close();
    const Result r = runTrain(QStringList{"--config", cfg, "--experts", "6"} + kSmall);
    QCOMPARE(r.code, 0);
    const QJsonObject s = lastJson(r.out);
    QCOMPARE(s["router"].toString(), QString("switch"));
    QCOMPARE(s["expert_load"].toArray().size(), 6);  // the flag overrides the file

    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(R"({"routr": "switch"})");
    f.close();
    const Result bad = runTrain({"--config", cfg});
    QCOMPARE(bad.code, 2);
    QVERIFY(bad.err.contains("routr"));
  }

  void saveThenLoadContinues() {
    QTemporaryDir dir;
    const QString ckpt = dir.filePath("a.ckpt");
    QCOMPARE(runTrain(kSmall + QStringList{"--save", ckpt}).code, 0);
    QVERIFY(QFile::exists(ckpt));
    const Result r = runTrain(kSmall + QStringList{"--load", ckpt, "--epochs", "2"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.trimmed().split('\n').size(), 2);  // resumed at epoch 1: one more epoch
    const Result wrong = runTrain(kSmall + QStringList{"--load", ckpt, "--experts", "4"});
    QVERIFY(wrong.code != 0);
    QVERIFY2(wrong.err.contains("tensors") || wrong.err.contains("match"), wrong.err.constData());
  }

  // The keys scripts parse, exactly; and --history holds the same numbers, every step.
  void jsonKeysAndHistoryFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath("history.jsonl");
    const Result r = runTrain(kSmall + QStringList{"--history", path});
    QCOMPARE(r.code, 0);
    const auto lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QJsonObject epoch = QJsonDocument::fromJson(lines[0]).object();
    const QJsonObject summary = QJsonDocument::fromJson(lines[1]).object();
    const QStringList routing{"expert_load", "load_cv", "max_vio", "dropped_fraction",
                              "unrouted_fraction", "routing_entropy", "dead_experts",
                              "shared_experts"};
    const QStringList health{"expert_utilisation", "margin_mean", "fragile_fraction",
                             "routing_stability", "router_saturation", "coactivation"};
    QStringList epochKeys = QStringList{"epoch", "step", "train_loss", "test_loss", "test_accuracy",
                                        "train_samples_per_s", "mutual_information_bits"} +
                            routing + health;
    // Model- and data-specific metrics (hme_*, layer_*, offset_*) are left out: the reference
    // model on unshifted images does not measure them.
    QStringList summaryKeys = QStringList{"summary", "dataset", "model", "router", "backend",
                                          "epochs", "train_samples_per_s", "train_seconds",
                                          "test_accuracy", "test_loss", "skipped_records",
                                          "params_total", "params_active_per_input", "peak_rss_mb",
                                          "data_load_seconds"} + routing;
    epochKeys.sort();
    summaryKeys.sort();
    QCOMPARE(epoch.keys(), epochKeys);
    QCOMPARE(summary.keys(), summaryKeys);
    QVERIFY(epoch["dead_experts"].isDouble() && !QByteArray(lines[0]).contains("\"dead_experts\":0.0"));

    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = f.readAll().trimmed().split('\n');
    const QJsonObject header = QJsonDocument::fromJson(rows[0]).object();
    QCOMPARE(header["format"].toString(), QString("moe-run-history"));
    QCOMPARE(header["quality"].toString(), QString("accuracy"));
    QCOMPARE(header["config"].toObject()["max_train"].toInt(), 2000);
    QList<QJsonObject> steps, evals;
    for (qsizetype i = 1; i < rows.size(); ++i) {
      const QJsonObject o = QJsonDocument::fromJson(rows[i]).object();
      (o["row"].toString() == "step" ? steps : evals).push_back(o);
    }
    QCOMPARE(steps.size(), 16);  // 2000 rows in batches of 128
    QCOMPARE(evals.size(), 1);
    QCOMPARE(steps.last()["step"].toInt(), 16);
    QCOMPARE(steps.last()["train_loss"], epoch["train_loss"]);
    for (const QString& key : evals[0].keys())
      if (key != "row") QVERIFY2(evals[0][key] == epoch[key], qPrintable(key));
  }

  // The exit-code contract (README): 0 done, 1 training failed, 2 bad flag, value, config or
  // data file, with a message that names it. Each row is one promise of the table.
  void exitCodeContract_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("mentions");
    const QStringList tiny{"--max-train", "300", "--threads", "2"};
    QTest::newRow("help") << QStringList{"--help"} << 0 << "";
    QTest::newRow("unknown flag") << QStringList{"--no-such-flag"} << 2 << "no-such-flag";
    QTest::newRow("not a number") << QStringList{"--experts", "abc"} << 2 << "experts";
    QTest::newRow("fraction for an integer") << QStringList{"--experts", "3.7"} << 2 << "experts";
    QTest::newRow("negative seed") << QStringList{"--seed", "-5"} << 2 << "seed";
    QTest::newRow("23-digit seed") << QStringList{"--seed", "12345678901234567890123"} << 2 << "seed";
    QTest::newRow("int overflow") << QStringList{"--epochs", "99999999999"} << 2 << "epochs";
    QTest::newRow("missing config") << QStringList{"--config", "/nonexistent.json"} << 2 << "config";
    QTest::newRow("missing checkpoint") << QStringList{"--load", "/nonexistent.ckpt"} << 2 << "load";
    QTest::newRow("unknown dataset") << QStringList{"--dataset", "nosuch"} << 2 << "nosuch";
    QTest::newRow("/dev/zero as text") << QStringList{"--dataset", "text-csv:/dev/zero"} << 2 << "limit";
    QTest::newRow("unwritable --save") << tiny + QStringList{"--save", "/nonexistent/a.ckpt"} << 2
                                       << "--save";
    QTest::newRow("unwritable --history") << tiny + QStringList{"--history", "/nonexistent/h.jsonl"}
                                          << 2 << "--history";
    QTest::newRow("unwritable --export-safetensors")
        << tiny + QStringList{"--export-safetensors", "/nonexistent/m.safetensors"} << 2
        << "--export-safetensors";
    QTest::newRow("--load-safetensors without its config")
        << QStringList{"--load-safetensors", MOE_SOURCE_DIR "/README.md"} << 2 << "needs its config";
    QTest::newRow("memory budget") << QStringList{"--experts", "256", "--expert-hidden", "16384"} << 2
                                   << "GB available";
  }
  void exitCodeContract() {
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, mentions);
    QProcess p;
    p.start(MOE_TRAIN_BIN, args);
    p.waitForFinished(300000);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(p.exitCode() == code, qPrintable(QString("exit %1: %2").arg(p.exitCode()).arg(err)));
    QVERIFY2(err.contains(mentions.toUtf8()), err.constData());
    // Refused before training: no epoch was printed.
    if (code == 2) QVERIFY2(!p.readAllStandardOutput().contains("epoch"), "trained first");
  }

  // Exit 1: the run trained but failed at the end (here: --save cannot write its temporary
  // file, a folder of that name being in the way), with the message naming the file.
  void failedRunExitsOne() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir("a.ckpt.tmp"));
    const Result r = runTrain({"--max-train", "300", "--threads", "2", "--save", dir.filePath("a.ckpt")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.out.contains("epoch 1") && r.err.contains("a.ckpt.tmp"), r.err.constData());
  }

  // Exit 2 for weights that cannot be loaded: a --load-safetensors file cut short (its config
  // beside it is fine) is refused before training, naming the flag (it used to be reported and
  // then ignored, the run training from fresh weights).
  void truncatedSafetensorsExitsTwo() {
    QTemporaryDir dir;
    const QString path = dir.filePath("m.safetensors");
    const QStringList tiny{"--max-train", "300", "--threads", "2"};
    QCOMPARE(runTrain(tiny + QStringList{"--export-safetensors", path}).code, 0);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.resize(f.size() / 2));
    f.close();
    const Result r = runTrain(tiny + QStringList{"--load-safetensors", path});
    QVERIFY2(r.code == 2, r.err.constData());
    QVERIFY2(r.err.contains("--load-safetensors"), r.err.constData());
    QVERIFY(!r.out.contains("epoch"));
  }

  // Config files: trailing text, a fraction or a negative seed in JSON exit 2, naming the key.
  void configFileContract_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("trailing text") << QByteArray(R"({"experts": 4} and more)") << "not valid JSON";
    QTest::newRow("fraction") << QByteArray(R"({"experts": 3.7})") << "experts";
    QTest::newRow("negative seed") << QByteArray(R"({"seed": -5})") << "seed";
    QTest::newRow("not an object") << QByteArray("[1, 2]") << "JSON object";
    // A number beyond double's range: the JSON library throws out_of_range, not parse_error
    // (found by fuzz_config: it escaped the reader uncaught).
    QTest::newRow("number overflow") << QByteArray(R"({"experts": 755E7530})") << "not valid JSON";
  }
  void configFileContract() {
    QFETCH(QByteArray, text);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    QFile f(dir.filePath("c.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
    f.close();
    const Result r = runTrain({"--config", f.fileName()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(mentions.toUtf8()), r.err.constData());
  }

  // Crafted checkpoints: a negative step or epoch, a missing key: exit 2 naming the key.
  void checkpointContract() {
    QTemporaryDir dir;
    const QString good = dir.filePath("good.ckpt");
    QCOMPARE(runTrain(kSmall + QStringList{"--save", good}).code, 0);
    const auto craft = [&](const char* name, const std::function<void(nlohmann::json&)>& edit) {
      moe::core::Checkpoint cp = moe::core::readCheckpoint(good.toStdString());
      edit(cp.meta);
      moe::core::writeCheckpoint(dir.filePath(name).toStdString(), cp);
      return runTrain(kSmall + QStringList{"--epochs", "2", "--load", dir.filePath(name)});
    };
    const Result step = craft("step.ckpt", [](nlohmann::json& m) { m["step"] = -3; });
    QCOMPARE(step.code, 2);
    QVERIFY2(step.err.contains("'step'"), step.err.constData());
    const Result epoch = craft("epoch.ckpt", [](nlohmann::json& m) { m["epoch"] = -1; });
    QCOMPARE(epoch.code, 2);
    QVERIFY2(epoch.err.contains("'epoch'"), epoch.err.constData());
    const Result missing = craft("missing.ckpt", [](nlohmann::json& m) { m.erase("config"); });
    QCOMPARE(missing.code, 2);
    QVERIFY2(missing.err.contains("'config'") && !missing.err.contains("json.exception"),
             missing.err.constData());
  }

  // Resuming a finished run evaluates it (the numbers the run measured), never prints 0.
  void resumingAFinishedRunEvaluates() {
    QTemporaryDir dir;
    const QString ckpt = dir.filePath("done.ckpt");
    const Result first = runTrain(kSmall + QStringList{"--save", ckpt});
    QCOMPARE(first.code, 0);
    const Result again = runTrain(kSmall + QStringList{"--load", ckpt});
    QCOMPARE(again.code, 0);
    QVERIFY2(again.err.contains("nothing is left to train"), again.err.constData());
    const QJsonObject a = lastJson(first.out), b = lastJson(again.out);
    QVERIFY(b["test_loss"].toDouble() > 0.0);
    QCOMPARE(b["test_accuracy"].toDouble(), a["test_accuracy"].toDouble());
    QCOMPARE(b["test_loss"].toDouble(), a["test_loss"].toDouble());
    const Result text = runTrain(QStringList{"--max-train", "2000", "--threads", "2", "--load", ckpt});
    QCOMPARE(text.code, 0);
    QVERIFY2(!text.out.contains("accuracy 0.0000"), text.out.constData());
  }

  // Router-health alarms: one JSON line each in the stream, a readable line otherwise, and
  // --fail-on stops the run with exit code 3 (2 for an unknown alarm name).
  void alarmsInTheStreamAndFailOn() {
    // 16 experts with a tight capacity drop inputs from the first steps on.
    const QStringList dropping{"--router", "switch", "--experts", "16", "--top-k", "1",
                               "--capacity-factor", "1.0", "--alarm-window", "5",
                               "--drop-alarm", "0.02"};
    const Result r = runTrain(kSmall + dropping);
    QCOMPARE(r.code, 0);
    QJsonObject drops;
    for (const QByteArray& line : r.out.trimmed().split('\n')) {
      const QJsonObject o = QJsonDocument::fromJson(line).object();
      if (o["event"].toString() == "drops") drops = o;
    }
    QVERIFY2(!drops.isEmpty(), r.out.constData());
    QStringList keys = drops.keys();
    QCOMPARE(keys, (QStringList{"event", "experts", "message", "remedy", "step"}));
    QVERIFY(drops["step"].toInt() >= 5);
    QVERIFY(drops["experts"].isArray());
    QVERIFY(drops["remedy"].toString().contains("--capacity-factor"));

    const Result readable = runTrain(QStringList{"--max-train", "2000", "--threads", "2"} + dropping);
    QCOMPARE(readable.code, 0);
    QVERIFY2(readable.out.contains("alarm (drops) at step"), readable.out.constData());

    const Result failed = runTrain(kSmall + dropping + QStringList{"--fail-on", "collapse,drops"});
    QCOMPARE(failed.code, 3);
    QVERIFY(failed.err.contains("drops"));
    QCOMPARE(lastJson(failed.out)["stopped_by_alarm"].toString(), QString("drops"));
    // "dead" names dead_expert.
    QCOMPARE(runTrain(kSmall + dropping + QStringList{"--fail-on", "dead"}).code, 3);
    // An alarm that does not fire lets the run finish.
    QCOMPARE(runTrain(kSmall + dropping + QStringList{"--fail-on", "churn,non_finite"}).code, 0);
    const Result unknown = runTrain(kSmall + QStringList{"--fail-on", "colapse"});
    QCOMPARE(unknown.code, 2);
    QVERIFY(unknown.err.contains("colapse") && unknown.err.contains("dead_expert"));
  }

  // moe-kernel-bench (the step breakdown behind BENCHMARKS.md's sparse/dense analysis).
  void kernelBenchReportsTheStepsParts() {
    const Result r = run(MOE_KERNEL_BENCH_BIN, {"--threads", "1", "--reps", "3"});
    QCOMPARE(r.code, 0);
    const QJsonObject s = lastJson(r.out);
    for (const char* key : {"adam_ms", "stream_same_bytes_ms", "experts_top2_ms", "experts_dense_ms",
                            "ratio_adam_plus_products", "ratio_bound_quarter_products"})
      QVERIFY2(s[key].toDouble() > 0.0, key);
    QCOMPARE(s["params"].toInteger(), 8 * (784 * 256 + 256 + 256 * 10 + 10) + 784 * 8 + 8);
    const QJsonValue overlap = s["overlap_one_core"];  // null where the build has no AVX-512
    if (!overlap.isNull())
      for (const char* key : {"products_ms", "adam_ms", "sequential_ms", "interleaved_ms"})
        QVERIFY2(overlap[key].toDouble() > 0.0, key);
    // The dense mixture's products are four times top-2's work.
    QVERIFY(s["experts_dense_ms"].toDouble() > s["experts_top2_ms"].toDouble());
    const Result bad = run(MOE_KERNEL_BENCH_BIN, {"--reps", "0"});
    QVERIFY(bad.code != 0);
    QVERIFY2(bad.err.contains("--reps"), bad.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestMoeTrain)
#include "test_moe_train.moc"
