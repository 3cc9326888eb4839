// moe-sweep end to end: a tiny sweep, run again (nothing trains), resumed from a partial
// results file, and the specs it refuses with exit code 2.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Result {
  int code = -1;
  QByteArray out, err;
};

Result runSweep(const QStringList& args) {
  QProcess p;
  p.start(MOE_SWEEP_BIN, args);
  p.waitForFinished(300000);
  return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

void write(const QString& path, const std::string& text) { std::ofstream(path.toStdString()) << text; }

std::vector<std::string> lines(const QString& path) {
  std::ifstream in(path.toStdString());
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Four tiny runs on one dataset load: 2 x 2 grid, one seed, 5 steps each.
const char* kTinySpec = R"({"base": {"max_train": 500, "expert_hidden": 8, "batch_size": 100},
                            "grid": {"experts": [2, 4], "top_k": [1, 2]}, "seeds": [3]})";

}  // namespace

class TestMoeSweep : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void secondRunTrainsNothingAndPartialResultsResume() {
    QTemporaryDir tmp;
    const QString spec = tmp.filePath("spec.json"), out = tmp.filePath("out");
    write(spec, kTinySpec);
    const Result first = runSweep({spec, "--out", out});
    QVERIFY2(first.code == 0, first.err.constData());
    QVERIFY2(first.err.contains("4/4 runs done"), first.err.constData());
    QCOMPARE(first.err.count("finished experts="), 4);
    QCOMPARE(lines(out + "/results.jsonl").size(), std::size_t(4));
    const std::vector<std::string> csv = lines(out + "/results.csv");
    QCOMPARE(csv.size(), std::size_t(5));
    QVERIFY2(csv[0].rfind("run,experts,top_k,seed,status,test_accuracy,test_loss,", 0) == 0, csv[0].c_str());
    QVERIFY(QFile::exists(out + "/runs/experts-4_top_k-2_seed-3/history.jsonl"));
    QCOMPARE(first.out.count('\n'), 5);  // the table: a header and one line per run

    const Result again = runSweep({spec, "--out", out});
    QVERIFY2(again.code == 0, again.err.constData());
    QVERIFY2(again.err.contains("4 already finished"), again.err.constData());
    QVERIFY2(!again.err.contains("finished experts="), again.err.constData());
    QCOMPARE(again.out, first.out);
    QCOMPARE(lines(out + "/results.csv"), csv);

    // A sweep killed after two runs: the rest train, one at a time, to the same numbers.
    const std::vector<std::string> rows = lines(out + "/results.jsonl");
    write(out + "/results.jsonl", rows[0] + "\n" + rows[3] + "\n");
    const Result resumed = runSweep({spec, "--out", out, "--parallel", "1"});
    QVERIFY2(resumed.code == 0, resumed.err.constData());
    QVERIFY2(resumed.err.contains("2 already finished"), resumed.err.constData());
    QCOMPARE(resumed.err.count("finished experts="), 2);
    QVERIFY2(resumed.err.contains("finished experts=2 top_k=2 seed=3"), resumed.err.constData());
    QVERIFY2(resumed.err.contains("finished experts=4 top_k=1 seed=3"), resumed.err.constData());
    QCOMPARE(lines(out + "/results.jsonl").size(), std::size_t(4));
    // The same numbers for every run (deterministic per run, whatever the parallelism).
    const std::vector<std::string> after = lines(out + "/results.jsonl");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto a = nlohmann::json::parse(rows[i]), b = nlohmann::json::parse(after[i]);
      for (const char* key : {"run", "test_accuracy", "test_loss", "load_cv", "mutual_information"})
        QVERIFY2(a[key] == b[key], key);
    }
  }

  void aKilledSweepResumes() {
    QTemporaryDir tmp;
    const QString spec = tmp.filePath("spec.json"), out = tmp.filePath("out");
    write(spec, R"({"base": {"max_train": 500, "expert_hidden": 8, "batch_size": 50},
                    "grid": {"experts": [2, 3, 4, 5, 6, 7]}})");
    QProcess p;
    p.start(MOE_SWEEP_BIN, {spec, "--out", out, "--parallel", "1"});
    QVERIFY(p.waitForStarted());
    // Killed (SIGKILL: no chance to tidy up) as soon as the first run's row is on disk.
    QTRY_VERIFY_WITH_TIMEOUT(lines(out + "/results.jsonl").size() >= 1, 120000);
    p.kill();
    p.waitForFinished();
    const std::size_t kept = lines(out + "/results.jsonl").size();
    QVERIFY2(kept < 6, "the sweep finished before it could be killed");
    const Result resumed = runSweep({spec, "--out", out});
    QVERIFY2(resumed.code == 0, resumed.err.constData());
    QVERIFY2(resumed.err.contains(QByteArray::number(qlonglong(kept)) + " already finished"),
             resumed.err.constData());
    QCOMPARE(std::size_t(resumed.err.count("finished experts=")), 6 - kept);
    QCOMPARE(lines(out + "/results.jsonl").size(), std::size_t(6));
  }

  void badSpecsExitTwoNamingTheProblem_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("unknown key") << R"({"grid": {"expertz": [2]}})" << "unknown config key 'expertz'";
    QTest::newRow("bad value") << R"({"grid": {"top_k": [0]}})" << "top-k";
    QTest::newRow("empty grid") << R"({"grid": {}})" << "grid is empty";
    QTest::newRow("not JSON") << R"({"grid": )" << "not valid JSON";
    QTest::newRow("unwritable out") << R"({"seeds": [0]})" << "/proc/none";
  }
  void badSpecsExitTwoNamingTheProblem() {
    QFETCH(QString, spec);
    QFETCH(QString, mentions);
    QTemporaryDir tmp;
    write(tmp.filePath("spec.json"), spec.toStdString());
    const QString out = mentions == "/proc/none" ? "/proc/none/out" : tmp.filePath("out");
    const Result r = runSweep({tmp.filePath("spec.json"), "--out", out});
    QCOMPARE(r.code, 2);
    QVERIFY2(QString::fromUtf8(r.err).contains(mentions), r.err.constData());
    QVERIFY(!QFile::exists(tmp.filePath("out/results.jsonl")));
  }

  void missingArgumentsExitTwo() {
    QCOMPARE(runSweep({}).code, 2);
    QCOMPARE(runSweep({"/nonexistent/spec.json", "--out", "/tmp"}).code, 2);
    QCOMPARE(runSweep({"--help"}).code, 0);
  }
};

QTEST_GUILESS_MAIN(TestMoeSweep)
#include "test_moe_sweep.moc"
