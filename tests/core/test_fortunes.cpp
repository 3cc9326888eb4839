// Language-identification corpus from Debian's fortunes packages, real and synthetic.
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "core/data/catalog.h"
#include "core/data/fortunes.h"

using namespace moe::core;
using Strings = std::vector<std::string>;

Q_DECLARE_METATYPE(Strings)

namespace {

void write(const QString& path, const std::string& bytes) {
  QDir().mkpath(QFileInfo(path).path());
  std::ofstream(path.toStdString(), std::ios::binary) << bytes;
}

// A fortunes tree with one file per language, two distinct records each.
void writeTree(const QTemporaryDir& dir) {
  for (const auto& lang : fortuneLanguages()) {
    const QString folder =
        lang.folder.empty() ? dir.path() : dir.filePath(QString::fromStdString(lang.folder));
    const QString file = lang.files.empty() ? "quotes" : QString::fromStdString(lang.files.front());
    write(folder + "/" + file, lang.code + " one\n%\n" + lang.code + " two\n%\n");
    write(folder + "/" + file + ".dat", "\x01\x02 binary index, not text");
  }
}

}  // namespace

class TestFortunes : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void splitRecords_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<Strings>("records");
    QTest::newRow("plain") << QByteArray("a\nb\n%\nc\n%\n") << Strings{"a\nb\n", "c\n"};
    QTest::newRow("crlf") << QByteArray("a\r\nb\r\n%\r\nc\r\n") << Strings{"a\nb\n", "c\n"};
    QTest::newRow("no final separator") << QByteArray("a\n%\nb") << Strings{"a\n", "b"};
    QTest::newRow("percent inside text")
        << QByteArray("50% off\n %\n%\n") << Strings{"50% off\n %\n"};
    QTest::newRow("empty records") << QByteArray("%\n%\nx\n") << Strings{"", "", "x\n"};
  }
  void splitRecords() {
    QFETCH(QByteArray, content);
    QFETCH(Strings, records);
    Strings got;
    for (const auto& r : splitFortuneRecords(content.toStdString())) got.push_back(r.text);
    QCOMPARE(got, records);
  }

  void recordLines() {
    const auto recs = splitFortuneRecords("a\nb\n%\nc\n%\n\n%\nd\n");
    QCOMPARE(recs.size(), std::size_t(4));
    QCOMPARE(recs[1].line, 4);
    QCOMPARE(recs[3].line, 8);
  }

  void syntheticTree() {
    QTemporaryDir dir;
    writeTree(dir);
    // Invalid UTF-8 on line 3, a duplicate, an empty record, a symlink and a .u8 alias.
    write(dir.filePath("de/more"), "gut\n%\n\xff\xfe kaputt\n%\nde one\n%\n   \n%\n");
    QFile::link(dir.filePath("de/more"), dir.filePath("de/link"));
    write(dir.filePath("de/more.u8"), "nicht lesen\n");
    write(dir.filePath("es/off/rude"), "no\n");
    const TextCorpus c = readFortunesCorpus(dir.path().toStdString());
    QCOMPARE(int(c.classNames.size()), 9);
    const auto counts = c.classCounts();
    for (std::size_t l = 0; l < counts.size(); ++l)
      QCOMPARE(counts[l], l == 1 ? 3 : 2);  // de: one, two, gut
    QCOMPARE(c.report.invalidUtf8, 1);
    QCOMPARE(c.report.skipped, 1);
    QCOMPARE(c.report.duplicates, 1);
    QVERIFY(c.report.empty >= 1);
    QVERIFY2(QString::fromStdString(c.report.problems.at(0)).endsWith("de/more:3: invalid UTF-8"),
             c.report.problems.at(0).c_str());
  }

  void missingLanguage() {
    QTemporaryDir dir;
    writeTree(dir);
    QDir(dir.filePath("eo")).removeRecursively();
    try {
      readFortunesCorpus(dir.path().toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(
          QString(e.what()).contains("no Esperanto fortunes found (install Debian's fortunes-eo)"),
          e.what());
    }
  }

  void realCorpus() {
    if (!QFile::exists(QString(kFortunesRoot) + "/fortunes"))
      QSKIP("Debian's fortunes packages are not installed");
    QElapsedTimer timer;
    timer.start();
    const TextCorpus c = readFortunesCorpus();
    const qint64 readMs = timer.elapsed();
    const auto counts = c.classCounts();
    QString summary;
    for (std::size_t l = 0; l < counts.size(); ++l) {
      summary += QString(" %1=%2").arg(QString::fromStdString(c.classNames[l])).arg(counts[l]);
      QVERIFY2(counts[l] >= 1500, qPrintable(summary));  // Portuguese, the smallest, has ~2500
    }
    qInfo("fortunes: %d texts in %lld ms:%s; dropped %d duplicates, %d invalid UTF-8",
          int(c.texts.size()), readMs, qPrintable(summary), c.report.duplicates,
          c.report.invalidUtf8);
    QVERIFY(c.texts.size() > 50000);
  }

  void catalogSplits() {
    if (!QFile::exists(QString(kFortunesRoot) + "/fortunes"))
      QSKIP("Debian's fortunes packages are not installed");
    QElapsedTimer timer;
    timer.start();
    DataOptions opt;
    opt.validationFraction = 0.1;
    const DataSplits s = loadDataset("fortunes-langid", opt);
    qInfo(
        "fortunes-langid loaded and tokenised in %lld ms: train %d, validation %d, test %d, "
        "%d train tokens",
        qint64(timer.elapsed()), s.train.rows(), s.validation.rows(), s.test.rows(),
        int(s.train.tokens.size()));
    const int total = s.train.rows() + s.validation.rows() + s.test.rows();
    QVERIFY(std::abs(s.test.rows() - total / 5) < 10);  // 20%, rounded per class
    QCOMPARE(s.train.kind, DataKind::Tokens);
    QCOMPARE(s.test.classes, 9);
    QCOMPARE(s.train.features, 1 << 18);
    for (int c = 0; c < 9; ++c)
      QVERIFY(std::count(s.test.labels.begin(), s.test.labels.end(), c) > 100);
  }
};

QTEST_GUILESS_MAIN(TestFortunes)
#include "test_fortunes.moc"
