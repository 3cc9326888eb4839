// moe-train --routing-csv: every test input's routing by the final weights, read back and
// checked against the run's own evaluation (its accuracy) and the model's shape.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/core/dataset_skips.h"

namespace {

struct Result {
  int code = -1;
  QByteArray out, err;
};

Result runTrain(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(MOE_TRAIN_BIN), args);
  p.waitForFinished(300000);
  return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

}  // namespace

class RoutingExportTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void csvMatchesTheEvaluation() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("routing.csv"));
    const Result r = runTrain({"--max-train", "2000", "--threads", "2", "--experts", "6", "--top-k", "2",
                               "--json", "--routing-csv", path});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject summary = QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
    QVERIFY(summary.contains(QStringLiteral("test_accuracy")));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.first(), QStringLiteral("index,label,label_name,prediction,prediction_name,correct,confidence,"
                                           "expert_1,gate_1,expert_2,gate_2"));
    QCOMPARE(lines.size() - 1, 10000);  // Fashion-MNIST's test split, every input once
    int correct = 0;
    for (int i = 1; i < lines.size(); ++i) {
      const QStringList c = lines[i].split(',');  // Fashion-MNIST's names have no comma
      QCOMPARE(c.size(), 11);
      QCOMPARE(c[0].toInt(), i - 1);
      QVERIFY(!c[2].isEmpty() && !c[4].isEmpty());
      QCOMPARE(c[5].toInt(), c[1] == c[3] ? 1 : 0);
      correct += c[5].toInt();
      QVERIFY(!c[7].isEmpty());  // every input reached at least its first expert
      QVERIFY(c[7].toInt() >= 0 && c[7].toInt() < 6);
      const float first = c[8].toFloat();
      QVERIFY(first > 0.0f && first <= 1.0f);
      if (!c[9].isEmpty()) {
        QVERIFY(c[9] != c[7]);
        QVERIFY2(c[10].toFloat() <= first, qPrintable(lines[i]));  // highest gate first
      }
    }
    QVERIFY2(std::abs(double(correct) / 10000 - summary.value(QStringLiteral("test_accuracy")).toDouble()) < 1e-9,
             qPrintable(QStringLiteral("%1 correct, accuracy %2").arg(correct).arg(summary.value(QStringLiteral("test_accuracy")).toDouble())));
  }

  void anUnwritablePathIsRefusedBeforeTraining() {
    const Result r = runTrain({"--max-train", "200", "--routing-csv", "/nonexistent-dir/routing.csv"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--routing-csv"), r.err.constData());
  }
};

QTEST_MAIN(RoutingExportTest)
#include "test_routing_export.moc"
