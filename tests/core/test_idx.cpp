// IDX loader: the real Fashion-MNIST files and malformed files written by the test.
#include <zlib.h>

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/data/idx.h"

using namespace moe::core;

namespace {

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string idxImages(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                      std::size_t bytes, std::uint32_t magic = 0x803) {
  std::string s = be32(magic) + be32(count) + be32(rows) + be32(cols);
  for (std::size_t i = 0; i < bytes; ++i) s.push_back(char(i % 256));
  return s;
}

std::string idxLabels(const std::vector<int>& labels, std::uint32_t magic = 0x801) {
  std::string s = be32(magic) + be32(std::uint32_t(labels.size()));
  for (int l : labels) s.push_back(char(l));
  return s;
}

void writeFile(const QString& path, const std::string& bytes, bool gzip = false) {
  if (gzip) {
    gzFile f = gzopen(path.toStdString().c_str(), "wb");
    QVERIFY(f);
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path.toStdString(), std::ios::binary) << bytes;
  }
}

}  // namespace

class TestIdx : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void fashionMnist() {
    if (!QFile::exists(QString(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
      QSKIP("dataset-fashion-mnist is not installed");
    QElapsedTimer timer;
    timer.start();
    const DataSplits s = loadIdxDir(kFashionMnistDir);
    qInfo("Fashion-MNIST train+test loaded in %lld ms", qint64(timer.elapsed()));
    QCOMPARE(s.train.rows(), 60000);
    QCOMPARE(s.test.rows(), 10000);
    QCOMPARE(s.train.features, 784);
    QCOMPARE(s.train.imageWidth, 28);
    QCOMPARE(s.train.imageHeight, 28);
    QCOMPARE(s.train.imageChannels, 1);
    QCOMPARE(s.train.classes, 10);
    QCOMPARE(s.train.classNames.at(9), std::string("Ankle boot"));
    QCOMPARE(s.test.classNames, fashionMnistClassNames());
    std::vector<int> perClass(10, 0);
    for (auto l : s.train.labels) ++perClass[std::size_t(l)];
    for (int c : perClass) QCOMPARE(c, 6000);
    float lo = 1, hi = 0;
    for (float v : s.test.x) lo = std::min(lo, v), hi = std::max(hi, v);
    QCOMPARE(lo, 0.0f);
    QCOMPARE(hi, 1.0f);
  }

  void smallImages_data() {
    QTest::addColumn<bool>("gzip");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("plain 28x28") << false << 28 << 28;
    QTest::newRow("gzip 28x28") << true << 28 << 28;
    QTest::newRow("gzip non-square 5x7") << true << 5 << 7;
  }
  void smallImages() {
    QFETCH(bool, gzip);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QTemporaryDir dir;
    const std::size_t n = 3, bytes = n * std::size_t(rows * cols);
    writeFile(dir.filePath("i"), idxImages(n, rows, cols, bytes), gzip);
    writeFile(dir.filePath("l"), idxLabels({2, 0, 1}), gzip);
    const Dataset d = loadIdxPair(dir.filePath("i").toStdString(), dir.filePath("l").toStdString());
    QCOMPARE(d.rows(), 3);
    QCOMPARE(d.features, rows * cols);
    QCOMPARE(d.imageWidth, cols);
    QCOMPARE(d.imageHeight, rows);
    QCOMPARE(d.classes, 3);
    QCOMPARE(d.labels, (std::vector<std::int32_t>{2, 0, 1}));
    QCOMPARE(d.x[1], 1.0f / 255.0f);
    const int last = rows * cols - 1;
    QCOMPARE(d.x[std::size_t(last)], float(last % 256) / 255.0f);
  }

  void malformed_data() {
    QTest::addColumn<QByteArray>("images");
    QTest::addColumn<QByteArray>("labels");
    QTest::addColumn<int>("classes");
    QTest::addColumn<QString>("expected");
    const auto b = [](const std::string& s) { return QByteArray(s.data(), qsizetype(s.size())); };
    const std::string good = idxImages(4, 2, 2, 16);
    const std::string labels = idxLabels({0, 1, 2, 3});
    QTest::newRow("wrong magic images")
        << b(idxImages(4, 2, 2, 16, 0x801)) << b(labels) << 0 << "i: wrong magic number 0x00000801";
    QTest::newRow("wrong magic labels")
        << b(good) << b(idxLabels({0, 1, 2, 3}, 0x803)) << 0 << "l: wrong magic number 0x00000803";
    QTest::newRow("truncated header")
        << b(good.substr(0, 10)) << b(labels) << 0 << "i: truncated: the IDX header needs 16 bytes";
    QTest::newRow("counts larger than file") << b(idxImages(100, 2, 2, 16)) << b(labels) << 0
                                             << "i: truncated: header counts 100 images";
    QTest::newRow("truncated data")
        << b(good.substr(0, good.size() - 3)) << b(labels) << 0 << "only 13 bytes follow";
    QTest::newRow("trailing bytes") << b(good + "xy") << b(labels) << 0 << "2 bytes past";
    QTest::newRow("count mismatch")
        << b(good) << b(idxLabels({0, 1, 2})) << 0 << "has 4 images but";
    QTest::newRow("label out of range") << b(good) << b(idxLabels({0, 1, 12, 3})) << 10
                                        << "label 12 of sample 2 is out of range 0..9";
    QTest::newRow("empty file") << QByteArray() << b(labels) << 0 << "i: truncated";
  }
  void malformed() {
    QFETCH(QByteArray, images);
    QFETCH(QByteArray, labels);
    QFETCH(int, classes);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    writeFile(dir.filePath("i"), images.toStdString());
    writeFile(dir.filePath("l"), labels.toStdString());
    try {
      loadIdxPair(dir.filePath("i").toStdString(), dir.filePath("l").toStdString(), classes);
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
  }

  void truncatedGzip() {
    QTemporaryDir dir;
    writeFile(dir.filePath("full.gz"), idxImages(50, 28, 28, 50 * 784), true);
    QFile full(dir.filePath("full.gz"));
    QVERIFY(full.open(QIODevice::ReadOnly));
    const QByteArray gz = full.readAll();
    writeFile(dir.filePath("cut.gz"), gz.left(gz.size() / 2).toStdString());
    try {
      readIdxImages(dir.filePath("cut.gz").toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("cut.gz: corrupt or truncated gzip"), e.what());
    }
  }

  void missingFileInDir() {
    QTemporaryDir dir;
    writeFile(dir.filePath("train-images-idx3-ubyte.gz"), idxImages(1, 2, 2, 4), true);
    writeFile(dir.filePath("train-labels-idx1-ubyte"), idxLabels({0}));
    writeFile(dir.filePath("t10k-labels-idx1-ubyte"), idxLabels({0}));
    try {
      loadIdxDir(dir.path().toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("missing t10k-images-idx3-ubyte"), e.what());
    }
    writeFile(dir.filePath("t10k-images-idx3-ubyte"), idxImages(1, 2, 2, 4));
    // The same file plain and gzipped is one set, not two: the plain one is read.
    writeFile(dir.filePath("t10k-images-idx3-ubyte.gz"), idxImages(1, 2, 2, 4), true);
    const DataSplits s = loadIdxDir(dir.path().toStdString());
    QCOMPARE(s.train.rows(), 1);
    QCOMPARE(s.test.rows(), 1);
    QCOMPARE(s.train.classNames, std::vector<std::string>{"0"});
  }

  void emnistLayout() {
    // EMNIST: prefixed names, "test" for "t10k", images stored transposed, a mapping file.
    QTemporaryDir dir;
    const QString p = QStringLiteral("emnist-balanced-");
    // One image per split, stored as 3 rows x 2 columns of bytes 0..5 (EMNIST's transposed
    // order); upright it is 2 rows x 3 columns.
    writeFile(dir.filePath(p + "train-images-idx3-ubyte.gz"), idxImages(1, 3, 2, 6), true);
    writeFile(dir.filePath(p + "train-labels-idx1-ubyte.gz"), idxLabels({2}), true);
    writeFile(dir.filePath(p + "test-images-idx3-ubyte"), idxImages(1, 3, 2, 6));
    writeFile(dir.filePath(p + "test-labels-idx1-ubyte"), idxLabels({0}));
    writeFile(dir.filePath(p + "mapping.txt"), "0 48\n1 65\n2 97\n");
    const DataSplits s = loadIdxDir(dir.path().toStdString());
    QCOMPARE(s.train.name, std::string("emnist-balanced"));
    QCOMPARE(s.train.classNames, (std::vector<std::string>{"0", "A", "a"}));
    QCOMPARE(s.train.classes, 3);
    QCOMPARE(s.train.labels, std::vector<std::int32_t>{2});
    // Stored 3 rows x 2 columns: [0 1; 2 3; 4 5]. Upright (transposed): 2 rows x 3 columns,
    // [0 2 4; 1 3 5].
    QCOMPARE(s.train.imageHeight, 2);
    QCOMPARE(s.train.imageWidth, 3);
    const std::vector<float> upright = {0, 2, 4, 1, 3, 5};
    for (std::size_t i = 0; i < upright.size(); ++i) {
      QCOMPARE(s.train.x[i] * 255.0f, upright[i]);
      QCOMPARE(s.test.x[i] * 255.0f, upright[i]);
    }
  }

  void emnistBadMappingAndSeveralSets() {
    QTemporaryDir dir;
    for (const char* prefix : {"emnist-digits-", "emnist-letters-"}) {
      const QString p = QString::fromLatin1(prefix);
      writeFile(dir.filePath(p + "train-images-idx3-ubyte"), idxImages(1, 2, 2, 4));
      writeFile(dir.filePath(p + "train-labels-idx1-ubyte"), idxLabels({1}));
      writeFile(dir.filePath(p + "test-images-idx3-ubyte"), idxImages(1, 2, 2, 4));
      writeFile(dir.filePath(p + "test-labels-idx1-ubyte"), idxLabels({1}));
    }
    try {
      loadIdxDir(dir.path().toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("several sets of IDX files"), e.what());
    }
    QVERIFY(QFile::remove(dir.filePath("emnist-letters-train-images-idx3-ubyte")));
    QVERIFY(QFile::remove(dir.filePath("emnist-letters-train-labels-idx1-ubyte")));
    QVERIFY(QFile::remove(dir.filePath("emnist-letters-test-images-idx3-ubyte")));
    QVERIFY(QFile::remove(dir.filePath("emnist-letters-test-labels-idx1-ubyte")));
    writeFile(dir.filePath("emnist-digits-mapping.txt"), "0 48\n1 x\n");
    try {
      loadIdxDir(dir.path().toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("emnist-digits-mapping.txt:2: expected 'label code'"), e.what());
    }
    writeFile(dir.filePath("emnist-digits-mapping.txt"), "0 48\n1 49\n");
    const DataSplits s = loadIdxDir(dir.path().toStdString());
    QCOMPARE(s.test.classNames, (std::vector<std::string>{"0", "1"}));
  }
};

QTEST_GUILESS_MAIN(TestIdx)
#include "test_idx.moc"
