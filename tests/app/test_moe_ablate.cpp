// moe-train --ablate: a saved checkpoint ablated with --load (nothing more trains), its JSON
// line checked against relations that hold exactly, and the models it refuses (exit 2).
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

namespace {

struct Result {
  int code = -1;
  QByteArray out, err;
};

Result runTrain(const QStringList& args) {
  QProcess p;
  p.start(MOE_TRAIN_BIN, args);
  p.waitForFinished(300000);
  return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

// Two experts, top-2, 500 rows, one epoch of 5 steps.
const QStringList kTiny{"--max-train", "500", "--experts", "2", "--top-k", "2",
                        "--expert-hidden", "8", "--batch-size", "100", "--epochs", "1", "--threads", "1"};

}  // namespace

class TestMoeAblate : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void ablatesACheckpoint() {
    QTemporaryDir tmp;
    const QString ckpt = tmp.filePath("m.ckpt");
    const Result train = runTrain(kTiny + QStringList{"--save", ckpt, "--json"});
    QVERIFY2(train.code == 0, train.err.constData());
    const Result r = runTrain(kTiny + QStringList{"--load", ckpt, "--ablate", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    const auto j = nlohmann::json::parse(lines.last().toStdString());
    QVERIFY(j["ablation"].get<bool>());
    QCOMPARE(j["experts"].get<int>(), 2);
    QCOMPARE(j["step"].get<int>(), 5);  // the checkpoint's: nothing more was trained
    const auto summary = nlohmann::json::parse(lines[lines.size() - 2].toStdString());
    QCOMPARE(summary["test_accuracy"].get<double>(), j["test_accuracy"].get<double>());
    // Both experts chosen: expert 0 removed (renormalised) is expert 1 alone.
    QCOMPARE(j["removed"]["renormalise"][0]["test_accuracy"].get<double>(),
             j["alone"][1]["test_accuracy"].get<double>());
    QCOMPARE(j["removed"]["next-choice"].size(), std::size_t(2));
    QCOMPARE(j["class_expert"].size(), std::size_t(10));
    QCOMPARE(j["uniform_gate"]["mode"].get<std::string>(), std::string("uniform-gate"));
    QVERIFY(j["bar"]["next-choice"].is_array());
    // The readable table without --json.
    const Result text = runTrain(kTiny + QStringList{"--load", ckpt, "--ablate"});
    QVERIFY2(text.code == 0, text.err.constData());
    QVERIFY(text.out.contains("removed (next choice)"));
    QVERIFY(text.out.contains("uniform gate"));
  }

  void refusesModelsWithoutExperts() {
    const Result r = runTrain(kTiny + QStringList{"--model", "dense-mlp", "--ablate"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--ablate: the model has no MoE layer"), r.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestMoeAblate)
#include "test_moe_ablate.moc"
