// The per-input routing CSV (core/train/routing_csv.h) of a hand-made evaluation: columns,
// experts ordered by gate, dropped choices left empty, names quoted, gates read back exactly.
#include <sstream>

#include <QTemporaryDir>
#include <QtTest>

#include "core/train/routing_csv.h"

using namespace moe::core;

namespace {

// Three test images, four experts, top-2; the second row lost one choice at capacity.
EvalReport report() {
  EvalReport r;
  r.step = 40;
  r.classes = 3;
  r.experts = 4;
  r.k = 2;
  r.labels = {0, 2, 1};
  r.predictions = {0, 1, 1};
  r.predictionConfidence = {0.9f, 0.55f, 0.6f};
  r.gateProbs = {0.1f, 0.6f, 0.2f, 0.1f,    // row 0: chose 2 then 1 (listed out of gate order)
                 0.25f, 0.25f, 0.3f, 0.2f,  // row 1: chose 0 only
                 0.3f, 0.1f, 0.3f, 0.3f};   // row 2: a tie, broken by the expert number
  r.topExperts = {2, 1, 0, -1, 3, 0};
  return r;
}

}  // namespace

class RoutingCsvTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void classesInGateOrder() {
    std::ostringstream out;
    writeRoutingCsv(out, report(), {"T-shirt", "Trouser, long", "Bag"});
    QCOMPARE(QString::fromStdString(out.str()),
             QStringLiteral("index,label,label_name,prediction,prediction_name,correct,confidence,expert_1,gate_1,expert_2,gate_2\n"
                            "0,0,T-shirt,0,T-shirt,1,0.9,1,0.6,2,0.2\n"
                            "1,2,Bag,1,\"Trouser, long\",0,0.55,0,0.25,,\n"
                            "2,1,\"Trouser, long\",1,\"Trouser, long\",1,0.6,0,0.3,3,0.3\n"));
  }

  void ratingsHaveTargetAndError() {
    EvalReport r;
    r.regression = true;
    r.experts = 2;
    r.k = 1;
    r.targets = {4.0f, 2.5f};
    r.predictedValues = {3.5f, 3.0f};
    r.gateProbs = {0.75f, 0.25f, 0.4f, 0.6f};
    r.topExperts = {0, 1};
    std::ostringstream out;
    writeRoutingCsv(out, r, {});
    QCOMPARE(QString::fromStdString(out.str()),
             QStringLiteral("index,target,prediction,abs_error,expert_1,gate_1\n0,4,3.5,0.5,0,0.75\n1,2.5,3,0.5,1,0.6\n"));
  }

  void gatesReadBackExactly() {
    EvalReport r = report();
    r.gateProbs[1] = 1.0f / 3.0f;
    r.gateProbs[2] = 0.123456789f;
    std::ostringstream out;
    writeRoutingCsv(out, r, {});
    const QStringList row = QString::fromStdString(out.str()).split('\n')[1].split(',');
    QCOMPARE(row[7].toInt(), 1);
    QCOMPARE(row[8].toFloat(), 1.0f / 3.0f);
    QCOMPARE(row[10].toFloat(), 0.123456789f);
  }

  void fileIsWrittenOrRefusedByName() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("routing.csv")).toStdString();
    writeRoutingCsvFile(path, report(), {});
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().count('\n'), 4);
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
    try {
      writeRoutingCsvFile(dir.filePath(QStringLiteral("no/such/dir/routing.csv")).toStdString(), report(), {});
      QFAIL("wrote into a folder that does not exist");
    } catch (const RoutingCsvError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("no/such/dir")), e.what());
    }
  }
};

QTEST_MAIN(RoutingCsvTest)
#include "test_routing_csv.moc"
