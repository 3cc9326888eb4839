// Checkpoint headers a user may hand-edit or a fuzzer may craft (issue 16): every key the
// session reads is required and named when missing, counts must be whole non-negative numbers,
// tensor shapes must be integers, and a refused file changes nothing.
#include <zlib.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <functional>

#include <nlohmann/json.hpp>

#include "core/train/checkpoint.h"
#include "tests/core/dataset_skips.h"
#include "tests/core/session_fixtures.h"

using namespace moe::core;
using namespace moe::core::testing;

class TestCheckpointHeader : public QObject {
  Q_OBJECT

  QTemporaryDir mDir;
  std::shared_ptr<const DataSplits> mData;
  std::string mGood;

  std::string path(const char* name) const { return mDir.filePath(name).toStdString(); }

  // Loads `file` into a fresh session; returns the CheckpointError's message ("" if it loaded)
  // and checks that a refused load left the parameters unchanged.
  QString loadError(const std::string& file) {
    auto s = makeSession(smallMoeConfig(16, 3), mData);
    const auto before = paramValues(*s);
    try {
      s->load(file);
    } catch (const CheckpointError& e) {
      if (paramValues(*s) != before) return "changed the session";
      return QString::fromUtf8(e.what());
    }
    return {};
  }

  // The good checkpoint with its header edited by f.
  std::string edited(const char* name, const std::function<void(nlohmann::json&)>& f) {
    Checkpoint cp = readCheckpoint(mGood);
    f(cp.meta);
    writeCheckpoint(path(name), cp);
    return path(name);
  }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(mDir.isValid());
    mData = smallFashionMnist();
    auto s = makeSession(smallMoeConfig(16, 1), mData);
    for (int i = 0; i < 3; ++i) s->trainStep();
    mGood = path("good.ckpt");
    s->save(mGood);
    QCOMPARE(loadError(mGood), QString());
  }

  // Every key of the header but the tensor list is one the session reads: without it, the
  // message names it. (The table is the file itself: a key added to Session::save is covered.)
  void missingKeyIsNamed() {
    const nlohmann::json meta = readCheckpoint(mGood).meta;
    int checked = 0;
    for (auto it = meta.begin(); it != meta.end(); ++it) {
      const std::string key = it.key();
      if (key == "tensors" || key == "cursor") continue;  // cursor: older files lack it
      const std::string file = edited("missing.ckpt", [&](nlohmann::json& m) { m.erase(key); });
      const QString e = loadError(file);
      QVERIFY2(e.contains("'" + QString::fromStdString(key) + "'"), qPrintable(QString::fromStdString(key) + ": " + e));
      QVERIFY2(!e.contains("json.exception"), qPrintable(e));
      ++checked;
    }
    QVERIFY(checked >= 6);
  }

  void badCountsAreRefused_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::newRow("negative step") << "step" << "-5";
    QTest::newRow("negative epoch") << "epoch" << "-1";
    QTest::newRow("fractional epoch") << "epoch" << "0.5";
    QTest::newRow("huge epoch") << "epoch" << "1e30";
    QTest::newRow("epoch past int") << "epoch" << "4294967296";
    QTest::newRow("negative cursor") << "cursor" << "-1";
    QTest::newRow("step as text") << "step" << "\"3\"";
    QTest::newRow("negative optimizer steps") << "optimizer_steps" << "-2";
    QTest::newRow("negative features") << "features" << "-784";
  }
  void badCountsAreRefused() {
    QFETCH(QString, key);
    QFETCH(QString, value);
    const std::string file = edited("bad.ckpt", [&](nlohmann::json& m) {
      m[key.toStdString()] = nlohmann::json::parse(value.toStdString());
    });
    const QString e = loadError(file);
    QVERIFY2(e.contains("'" + key + "'"), qPrintable(e));
  }

  void configThatIsNotAnObjectIsRefused() {
    const QString e = loadError(edited("cfg.ckpt", [](nlohmann::json& m) { m["config"] = 3; }));
    QVERIFY2(e.contains("'config'"), qPrintable(e));
    const QString bad = loadError(
        edited("cfg2.ckpt", [](nlohmann::json& m) { m["config"]["experts"] = 3.7; }));
    QVERIFY2(bad.contains("its config") && bad.contains("experts"), qPrintable(bad));
  }

  // A tensor shape must be an integer: 2.5 or 1e20 are refused, not cast.
  void tensorShapesMustBeIntegers() {
    for (const char* shape : {"2.5", "1e20", "-1", "4294967297"}) {
      Checkpoint cp = readCheckpoint(mGood);
      writeCheckpoint(path("t.ckpt"), cp);
      // Rewrite the stored header by hand: writeCheckpoint derives shapes from the tensors.
      QFile f(QString::fromStdString(path("t.ckpt")));
      QVERIFY(f.open(QIODevice::ReadOnly));
      QByteArray bytes = f.readAll();
      f.close();
      const QByteArray name = QByteArray("[\"") + cp.tensors[0].name.c_str() + "\",";
      const qsizetype at = bytes.indexOf(name);
      QVERIFY(at > 0);
      const qsizetype comma = bytes.indexOf(',', at + name.size());
      bytes.replace(at + name.size(), comma - at - name.size(), shape);
      // Fix the header length (bytes 12..19) and the CRC so only the shape is wrong.
      const qsizetype headerStart = 20, headerEnd = bytes.indexOf("}", bytes.lastIndexOf("\"tensors\"")) + 1;
      const std::uint64_t header = std::uint64_t(headerEnd - headerStart);
      std::memcpy(bytes.data() + 12, &header, 8);
      bytes.chop(4);
      const std::uint32_t crc = std::uint32_t(
          crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.constData()), uInt(bytes.size())));
      bytes.append(reinterpret_cast<const char*>(&crc), 4);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write(bytes);
      f.close();
      try {
        readCheckpoint(path("t.ckpt"));
        QFAIL(shape);
      } catch (const CheckpointError& e) {
        QVERIFY2(QString(e.what()).contains("invalid tensor shape"), e.what());
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestCheckpointHeader)
#include "test_checkpoint_header.moc"
