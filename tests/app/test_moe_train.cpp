// moe-train end to end: flags, config files, JSON output, errors, checkpoints.
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
