// Session checkpoints: round trip (same evaluation, same continued training), atomic writes,
// and clear refusals of truncated, corrupt, foreign and mismatched files.
#include <QtTest>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/data/catalog.h"
#include "core/data/splits.h"
#include "core/model/model.h"
#include "core/routing/router_registry.h"
#include "core/train/checkpoint.h"
#include "core/train/session.h"
#include "tests/core/session_fixtures.h"
#include "tests/core/dataset_skips.h"

using namespace moe;
using namespace moe::core;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(moe::core::OptimizerKind)

namespace {

using testing::makeSession;
using testing::paramValues;

TrainConfig smallConfig() { return testing::smallMoeConfig(16, 21); }

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace

class TestCheckpoint : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<const DataSplits> mData;  ///< 1000 train rows, 500 test rows
  QTemporaryDir mDir;
  std::string path(const char* name) const { return (mDir.path() + "/" + name).toStdString(); }
  /** What load() says about a file, or "" when it loads. Checks the session is unchanged. */
  QString loadError(const std::string& file, const TrainConfig& c = smallConfig());

 private Q_SLOTS:
  void initTestCase();
  void roundTrip_data();
  void roundTrip();
  void atomicWrite();
  void refusesTruncated_data();
  void refusesTruncated();
  void refusesFlippedByte_data();
  void refusesFlippedByte();
  void refusesForeignFiles();
  void refusesOtherModelShape_data();
  void refusesOtherModelShape();
  void refusesUnwritablePath();
  void rawFormatRoundTrip();
};

void TestCheckpoint::initTestCase() {
  MOE_SKIP_WITHOUT_FASHION_MNIST();
  QVERIFY(mDir.isValid());
  mData = testing::smallFashionMnist();
  // The reference checkpoint most refusal tests start from.
  auto s = makeSession(smallConfig(), mData);
  for (int i = 0; i < 3; ++i) s->trainStep();
  s->save(path("ref.ckpt"));
}

QString TestCheckpoint::loadError(const std::string& file, const TrainConfig& c) {
  auto s = makeSession(c, mData);
  s->trainStep();
  const auto before = paramValues(*s);
  try {
    s->load(file);
  } catch (const CheckpointError& e) {
    // A refused load changes nothing.
    if (s->step() != 1 || paramValues(*s) != before) return "session changed by a refused load";
    return QString::fromUtf8(e.what());
  }
  return {};
}

void TestCheckpoint::roundTrip_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<OptimizerKind>("optimizer");
  QTest::addColumn<int>("stepsBeforeSave");
  QTest::addColumn<bool>("otherSeed");  ///< load into a session built with a different seed
  for (bool otherSeed : {false, true}) {
    const char* tag = otherSeed ? ", other seed" : "";
    QTest::newRow(qPrintable(QString("topk adam mid-epoch") + tag))
        << QString("topk") << OptimizerKind::Adam << 3 << otherSeed;
    QTest::newRow(qPrintable(QString("noisy-topk adamw mid-epoch") + tag))
        << QString("noisy-topk") << OptimizerKind::AdamW << 4 << otherSeed;
    QTest::newRow(qPrintable(QString("switch sgd epoch end") + tag))
        << QString("switch") << OptimizerKind::Sgd << 10 << otherSeed;
    QTest::newRow(qPrintable(QString("expert-choice adam second epoch") + tag))
        << QString("expert-choice") << OptimizerKind::Adam << 12 << otherSeed;
  }
}

void TestCheckpoint::roundTrip() {
  QFETCH(QString, router);
  QFETCH(OptimizerKind, optimizer);
  QFETCH(int, stepsBeforeSave);
  QFETCH(bool, otherSeed);
  TrainConfig c = smallConfig();
  c.model.router = router.toStdString();
  c.model.topK = std::min(2, expertsPerRow(c.model.router, 2, c.model.experts));
  c.optim.kind = optimizer;
  c.epochs = 3;
  const std::string file = path("roundtrip.ckpt");

  // The uninterrupted run: save part-way, keep going.
  auto a = makeSession(c, mData);
  QCOMPARE(a->stepsPerEpoch(), 10L);
  for (int i = 0; i < stepsBeforeSave; ++i) a->trainStep();
  a->save(file);
  const auto evalA = a->evaluate();
  std::vector<double> lossesA;
  for (int i = 0; i < 6; ++i) lossesA.push_back(a->trainStep().loss);

  // A fresh session of the same model. With another seed its weights, data order and router
  // noise differ until the checkpoint restores the saved run's.
  TrainConfig other = c;
  if (otherSeed) other.seed = 999;
  auto b = makeSession(other, mData);
  b->load(file);
  QCOMPARE(b->step(), long(stepsBeforeSave));
  QCOMPARE(b->epoch(), stepsBeforeSave / 10);
  QCOMPARE(b->epochProgress(), double(stepsBeforeSave) / 10.0);
  const auto evalB = b->evaluate();
  QCOMPARE(evalB->loss, evalA->loss);
  QCOMPARE(evalB->quality, evalA->quality);
  QCOMPARE(evalB->predictions, evalA->predictions);
  QCOMPARE(evalB->gateProbs, evalA->gateProbs);
  std::vector<double> lossesB;
  for (int i = 0; i < 6; ++i) lossesB.push_back(b->trainStep().loss);
  QCOMPARE(lossesB, lossesA);  // training continues exactly as if never interrupted
  QCOMPARE(paramValues(*b), paramValues(*a));
  QCOMPARE(b->config().seed, c.seed);
}

void TestCheckpoint::atomicWrite() {
  const std::string file = path("atomic.ckpt");
  auto s = makeSession(smallConfig(), mData);
  s->trainStep();
  s->save(file);
  QVERIFY(fs::exists(file));
  QVERIFY(!fs::exists(file + ".tmp"));
  const auto size1 = fs::file_size(file);
  // Overwriting an existing checkpoint replaces it whole.
  s->trainStep();
  s->save(file);
  QVERIFY(!fs::exists(file + ".tmp"));
  QCOMPARE(fs::file_size(file), size1);
  auto t = makeSession(smallConfig(), mData);
  t->load(file);
  QCOMPARE(t->step(), 2L);
  // Only the checkpoint itself is in the folder: no temporary left behind.
  int others = 0;
  for (const auto& e : fs::directory_iterator(mDir.path().toStdString()))
    others += e.path().string().ends_with(".tmp");
  QCOMPARE(others, 0);
}

void TestCheckpoint::refusesTruncated_data() {
  QTest::addColumn<double>("keep");
  QTest::newRow("empty") << 0.0;
  QTest::newRow("magic only") << 1e-6;
  QTest::newRow("in the header") << 0.001;
  QTest::newRow("half") << 0.5;
  QTest::newRow("last byte missing") << -1.0;
}

void TestCheckpoint::refusesTruncated() {
  QFETCH(double, keep);
  const std::string bytes = readAll(path("ref.ckpt"));
  const std::size_t n = keep < 0 ? bytes.size() - 1 : std::max<std::size_t>(keep > 0 ? 8 : 0, std::size_t(double(bytes.size()) * keep));
  const std::string file = path("truncated.ckpt");
  writeAll(file, bytes.substr(0, n));
  const QString error = loadError(file);
  QVERIFY2(!error.isEmpty(), "a truncated checkpoint was accepted");
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains(n == 0 ? "is empty" : "is truncated"), qPrintable(error));
  QVERIFY2(error.contains(QString::fromStdString(file)), qPrintable(error));
}

void TestCheckpoint::refusesFlippedByte_data() {
  QTest::addColumn<double>("where");
  QTest::newRow("in the header") << 0.0005;
  QTest::newRow("in the tensors") << 0.5;
  QTest::newRow("near the end") << 0.999;
}

void TestCheckpoint::refusesFlippedByte() {
  QFETCH(double, where);
  std::string bytes = readAll(path("ref.ckpt"));
  const std::size_t at = std::max<std::size_t>(24, std::size_t(double(bytes.size()) * where));
  bytes[at] = char(bytes[at] ^ 0x10);
  const std::string file = path("flipped.ckpt");
  writeAll(file, bytes);
  const QString error = loadError(file);
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains("checksum"), qPrintable(error));
}

void TestCheckpoint::refusesForeignFiles() {
  const std::string text = path("notes.txt");
  writeAll(text, "This is not a checkpoint, just some text that is long enough.\n");
  QString error = loadError(text);
  QVERIFY2(error.contains("not a MoE Explorer checkpoint"), qPrintable(error));
  QVERIFY2(error.contains("notes.txt"), qPrintable(error));

  // A checkpoint file that is not a session checkpoint (valid container, other content).
  Checkpoint cp;
  cp.meta = {{"format", "something-else"}};
  writeCheckpoint(path("other.ckpt"), cp);
  error = loadError(path("other.ckpt"));
  QVERIFY2(error.contains("not a MoE Explorer session checkpoint"), qPrintable(error));

  // A newer format version.
  std::string bytes = readAll(path("ref.ckpt"));
  bytes[8] = 2;
  writeAll(path("version.ckpt"), bytes);
  error = loadError(path("version.ckpt"));
  QVERIFY2(error.contains("checksum") || error.contains("version"), qPrintable(error));

  error = loadError(path("does-not-exist.ckpt"));
  QVERIFY2(error.contains("cannot open"), qPrintable(error));
  error = loadError(mDir.path().toStdString());  // a folder
  QVERIFY2(error.contains("is a folder"), qPrintable(error));
}

void TestCheckpoint::refusesOtherModelShape_data() {
  QTest::addColumn<QString>("change");
  QTest::addColumn<QString>("message");
  QTest::newRow("experts 8") << "experts" << "does not match";
  QTest::newRow("hidden 24") << "hidden" << "does not match";
  QTest::newRow("noisy router (more tensors)") << "noisy" << "tensors";
  QTest::newRow("sgd optimizer (fewer tensors)") << "sgd" << "tensors";
  QTest::newRow("stem model") << "stem" << "tensors";
}

void TestCheckpoint::refusesOtherModelShape() {
  QFETCH(QString, change);
  QFETCH(QString, message);
  TrainConfig c = smallConfig();
  if (change == "experts") c.model.experts = 8;
  if (change == "hidden") c.model.expertHidden = 24;
  if (change == "noisy") c.model.router = "noisy-topk";
  if (change == "sgd") c.optim.kind = OptimizerKind::Sgd;
  if (change == "stem") c.model.kind = ModelKind::StemMoe;
  const QString error = loadError(path("ref.ckpt"), c);
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains(message), qPrintable(error));
  QVERIFY2(error.contains("ref.ckpt"), qPrintable(error));

  // Data of another shape (features) is refused too.
  auto other = std::make_shared<DataSplits>();
  other->train.kind = other->test.kind = DataKind::Dense;
  other->train.features = other->test.features = 10;
  other->train.classes = other->test.classes = 10;
  other->train.x.assign(100, 0.5f);
  other->train.labels.assign(10, 1);
  other->test = other->train;
  auto s = makeSession(smallConfig(), other);
  try {
    s->load(path("ref.ckpt"));
    QFAIL("a checkpoint for 784 features loaded into a 10-feature session");
  } catch (const CheckpointError& e) {
    QVERIFY2(QString(e.what()).contains("784 features"), e.what());
  }
}

void TestCheckpoint::refusesUnwritablePath() {
  auto s = makeSession(smallConfig(), mData);
  s->trainStep();
  for (const std::string& target : {std::string("/nonexistent-dir/x/y.ckpt"),
                                   mDir.path().toStdString() + "/missing/sub/y.ckpt"}) {
    try {
      s->save(target);
      QFAIL("save() to an unwritable path did not throw");
    } catch (const CheckpointError& e) {
      QVERIFY2(QString(e.what()).contains("cannot write"), e.what());
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(target)), e.what());
      QVERIFY2(QString(e.what()).contains("No such file"), e.what());
    }
    QVERIFY(!fs::exists(target + ".tmp"));
  }
  // A directory in the way of the final name: the rename fails and the temporary is removed.
  const std::string dirTarget = path("a-directory.ckpt");
  fs::create_directory(dirTarget);
  fs::create_directory(dirTarget + "/keep");  // non-empty: rename() over it fails
  QVERIFY_THROWS_EXCEPTION(CheckpointError, s->save(dirTarget));
  QVERIFY(!fs::exists(dirTarget + ".tmp"));
}

void TestCheckpoint::rawFormatRoundTrip() {
  Checkpoint cp;
  cp.meta = {{"format", "test"}, {"n", 3}};
  cp.tensors.push_back({"a", 2, 3, {1, 2, 3, 4, 5, 6}});
  cp.tensors.push_back({"empty", 0, 4, {}});
  cp.tensors.push_back({"b", 1, 1, {-0.5f}});
  writeCheckpoint(path("raw.ckpt"), cp);
  const Checkpoint back = readCheckpoint(path("raw.ckpt"));
  QCOMPARE(back.meta.at("n").get<int>(), 3);
  QCOMPARE(back.tensors.size(), std::size_t(3));
  for (std::size_t i = 0; i < 3; ++i) {
    QCOMPARE(back.tensors[i].name, cp.tensors[i].name);
    QCOMPARE(back.tensors[i].rows, cp.tensors[i].rows);
    QCOMPARE(back.tensors[i].cols, cp.tensors[i].cols);
    QCOMPARE(back.tensors[i].data, cp.tensors[i].data);
  }
  // Trailing garbage after a valid file is refused.
  std::string bytes = readAll(path("raw.ckpt"));
  writeAll(path("trailing.ckpt"), bytes + "xyz");
  QVERIFY_THROWS_EXCEPTION(CheckpointError, readCheckpoint(path("trailing.ckpt")));
}

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
