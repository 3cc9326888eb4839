// moe-train end to end: flags, config files, JSON output, errors, checkpoints.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

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
                              "unrouted_fraction", "routing_entropy", "dead_experts"};
    const QStringList health{"expert_utilisation", "margin_mean", "fragile_fraction",
                             "routing_stability", "router_saturation", "coactivation"};
    QStringList epochKeys = QStringList{"epoch", "step", "train_loss", "test_loss", "test_accuracy",
                                        "train_samples_per_s", "mutual_information_bits"} +
                            routing + health;
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
