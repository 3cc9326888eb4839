// CIFAR-10 binary loader on small batches written by the test.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <string>

#include "core/data/cifar10.h"

using namespace moe::core;

namespace {

// n records; record r has label labelOf(r) and pixel i = (r + i) % 256.
std::string batch(int n, int firstLabel = 0, int badLabelAt = -1) {
  std::string s;
  for (int r = 0; r < n; ++r) {
    s.push_back(char(r == badLabelAt ? 10 : (firstLabel + r) % 10));
    for (int i = 0; i < 3072; ++i) s.push_back(char((r + i) % 256));
  }
  return s;
}

void write(const QTemporaryDir& dir, const QString& name, const std::string& bytes) {
  std::ofstream(dir.filePath(name).toStdString(), std::ios::binary) << bytes;
}

void writeAll(const QTemporaryDir& dir) {
  for (int b = 1; b <= 5; ++b) write(dir, QString("data_batch_%1.bin").arg(b), batch(2, 2 * b));
  write(dir, "test_batch.bin", batch(3));
}

QString errorOf(const std::string& dir) {
  try {
    loadCifar10Dir(dir);
  } catch (const DataError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestCifar10 : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void loadsBatches() {
    QTemporaryDir dir;
    writeAll(dir);
    const DataSplits s = loadCifar10Dir(dir.path().toStdString());
    QCOMPARE(s.train.rows(), 10);
    QCOMPARE(s.test.rows(), 3);
    QCOMPARE(s.train.features, 3072);
    QCOMPARE(s.train.imageWidth, 32);
    QCOMPARE(s.train.imageHeight, 32);
    QCOMPARE(s.train.imageChannels, 3);
    QCOMPARE(s.train.classes, 10);
    QCOMPARE(s.train.classNames, cifar10ClassNames());
    QCOMPARE(s.train.labels.front(), 2);  // data_batch_1 comes first
    // Channel-major: green of pixel 0 of record 1 is byte 1024 of its pixels.
    QCOMPARE(s.test.x[3072 + 1024], float((1 + 1024) % 256) / 255.0f);
    QVERIFY(s.validation.rows() == 0);
  }

  void classNamesFromMeta() {
    QTemporaryDir dir;
    writeAll(dir);
    std::string meta;
    for (int c = 0; c < 10; ++c) meta += "class" + std::to_string(c) + "\r\n";
    write(dir, "batches.meta.txt", meta + "\n");
    const DataSplits s = loadCifar10Dir(dir.path().toStdString());
    QCOMPARE(s.test.classNames.at(7), std::string("class7"));
    write(dir, "batches.meta.txt", "a\nb\n");
    QVERIFY(errorOf(dir.path().toStdString()).contains("expected 10 class names, found 2"));
  }

  void malformed_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    const std::string cut = batch(2).substr(0, 3073 + 100);
    QTest::newRow("record size") << "data_batch_3.bin"
                                 << QByteArray(cut.data(), qsizetype(cut.size()))
                                 << "data_batch_3.bin: size 3173 bytes is not a whole number";
    const std::string bad = batch(3, 0, 1);
    QTest::newRow("label range") << "test_batch.bin"
                                 << QByteArray(bad.data(), qsizetype(bad.size()))
                                 << "test_batch.bin: label 10 of record 1 is out of range 0..9";
    QTest::newRow("empty") << "data_batch_1.bin" << QByteArray() << "size 0 bytes";
  }
  void malformed() {
    QFETCH(QString, file);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    writeAll(dir);
    write(dir, file, bytes.toStdString());
    const QString error = errorOf(dir.path().toStdString());
    QVERIFY2(error.contains(expected), qPrintable(error));
  }

  void missingFile() {
    QTemporaryDir dir;
    writeAll(dir);
    QVERIFY(QFile::remove(dir.filePath("data_batch_4.bin")));
    const QString error = errorOf(dir.path().toStdString());
    QVERIFY2(error.contains("data_batch_4.bin: missing"), qPrintable(error));
  }
};

QTEST_GUILESS_MAIN(TestCifar10)
#include "test_cifar10.moc"
