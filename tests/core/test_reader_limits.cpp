// Readers against crafted and oversized files (issue 16): overflow-checked header arithmetic,
// size limits, and messages that say what is wrong (too few rows per class, duplicates, a
// missing MovieLens column, IDX labels with gaps).
#include <zlib.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/data/fileio.h"
#include "core/data/idx.h"
#include "core/data/loaders.h"
#include "core/data/movielens.h"
#include "core/data/text_corpus.h"
#include "core/data/text_csv.h"
#include "core/train/history_file.h"

using namespace moe::core;

namespace {

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

void writeFile(const std::string& path, const std::string& bytes, bool gzip = false) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
}

// The error's message, or "" when f does not throw DataError.
template <typename F>
QString dataError(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace

class TestReaderLimits : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // 2^20 images of 4190210 x 4198402 pixels: the product wraps to exactly the 4 MiB body.
  void idxHeaderOverflowIsRefused_data() {
    QTest::addColumn<bool>("gzip");
    QTest::newRow("plain") << false;
    QTest::newRow("gzip") << true;
  }
  void idxHeaderOverflowIsRefused() {
    QFETCH(bool, gzip);
    QTemporaryDir dir;
    const std::string path = dir.filePath("i").toStdString();
    std::string bytes = be32(0x803) + be32(1u << 20) + be32(4190210) + be32(4198402);
    bytes.append(std::size_t(4) << 20, '\0');
    writeFile(path, bytes, gzip);
    const QString e = dataError([&] { readIdxImages(path); });
    QVERIFY2(e.contains("header field 'columns' (4198402)") && e.contains("overflow"), qPrintable(e));
  }

  void idxImageLargerThanAFeatureRowIsRefused() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("i").toStdString();
    writeFile(path, be32(0x803) + be32(0) + be32(65536) + be32(65536));
    const QString e = dataError([&] { readIdxImages(path); });
    QVERIFY2(e.contains("'rows' x 'columns'"), qPrintable(e));
  }

  // Labels 0 and 200 make 201 classes: they load, with a warning naming the gap.
  void idxLabelGapsWarn() {
    QTemporaryDir dir;
    const auto file = [&](const char* name) { return dir.filePath(name).toStdString(); };
    const std::string images = be32(0x803) + be32(4) + be32(2) + be32(2) + std::string(16, '\x7f');
    const std::string labels = be32(0x801) + be32(4) + std::string{0, char(200), 0, char(200)};
    writeFile(file("train-images-idx3-ubyte"), images);
    writeFile(file("train-labels-idx1-ubyte"), labels);
    writeFile(file("t10k-images-idx3-ubyte"), images);
    writeFile(file("t10k-labels-idx1-ubyte"), labels);
    const DataSplits s = loadIdxDir(dir.path().toStdString());
    QCOMPARE(s.train.classes, 201);
    QCOMPARE(int(s.report.warnings.size()), 1);
    QVERIFY2(QString::fromStdString(s.report.warnings[0]).contains("199 of these 201 classes"),
             s.report.warnings[0].c_str());
    // Contiguous labels: no warning.
    writeFile(file("train-labels-idx1-ubyte"), be32(0x801) + be32(4) + std::string{0, 1, 0, 1});
    writeFile(file("t10k-labels-idx1-ubyte"), be32(0x801) + be32(4) + std::string{0, 1, 0, 1});
    QVERIFY(loadIdxDir(dir.path().toStdString()).report.warnings.empty());
  }

  // A 2 GB text file of one line (sparse: no disk used) is refused by its size, unread.
  void textFileSizeLimit() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("big.csv").toStdString();
    { std::ofstream(path) << "label,text\n"; }
    std::filesystem::resize_file(path, std::uintmax_t(2) << 30);
    const QString e = dataError([&] { readTextCsv(path); });
    QVERIFY2(e.contains("2147483648 bytes") && e.contains("1 GiB limit"), qPrintable(e));
  }

  // A stream without a size (/dev/zero) is refused once it passes the limit.
  void streamSizeLimit() {
    const QString e = dataError([] { readWholeFile("/dev/zero", std::size_t(1) << 20); });
    QVERIFY2(e.contains("/dev/zero") && e.contains("1 MiB limit"), qPrintable(e));
    // A gzip stream is limited by its decompressed size.
    QTemporaryDir dir;
    const std::string gz = dir.filePath("z.gz").toStdString();
    writeFile(gz, std::string(std::size_t(3) << 20, 'a'), true);
    QVERIFY(dataError([&] { readWholeFile(gz, std::size_t(1) << 20); }).contains("limit"));
    QCOMPARE(readWholeFile(gz, std::size_t(4) << 20).size(), std::size_t(3) << 20);
  }

  // 300 classes of 2 rows: a 20% test split takes nothing; say so, and which classes.
  void tooFewRowsPerClassIsNamed() {
    TextCorpus corpus;
    corpus.name = "text-csv:t.csv";
    for (int c = 0; c < 300; ++c) {
      corpus.classNames.push_back("class" + std::to_string(c));
      for (int r = 0; r < 2; ++r)
        corpus.add("text " + std::to_string(c) + " " + std::to_string(r), c, "t.csv");
    }
    const QString e = dataError([&] { splitTextCorpus(corpus, TextSplitOptions{}, TokenizerOptions{}); });
    QVERIFY2(e.contains("the test split is empty") && e.contains("at least 3 rows") &&
                 e.contains("all 300 classes have fewer") && e.contains("'class0' 2 rows") &&
                 e.contains("and 295 more"),
             qPrintable(e));
    QVERIFY2(!e.contains("duplicate"), qPrintable(e));
  }

  // A file of one row repeated: the duplicates dropped are counted in the message.
  void duplicatesAreCounted() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("dup.csv").toStdString();
    std::string text = "label,text\n";
    for (int i = 0; i < 50; ++i) text += "a,the same text\nb,another text\n";
    writeFile(path, text);
    DataOptions opt;
    const QString e = dataError([&] { loadTextCsvFile(path, opt); });
    QVERIFY2(e.contains("the test split is empty") && e.contains("98 duplicate text(s) were dropped"),
             qPrintable(e));
  }

  // ratings.csv without its rating column: the per-line reasons reach the message.
  void movieLensMissingColumnGivesReasons() {
    QTemporaryDir dir;
    writeFile(dir.filePath("ratings.csv").toStdString(), "userId,movieId\n1,10\n2,20\n");
    LoadReport report;
    const QString e = dataError([&] { readMovieLens(dir.path().toStdString(), report); });
    QVERIFY2(e.contains("no valid ratings") && e.contains("2 line(s) skipped") &&
                 e.contains("ratings.csv:2: expected 4 fields"),
             qPrintable(e));
  }

  void movieLensTooFewRatingsForTheTestSplit() {
    Dataset all;
    all.name = "movielens";
    all.kind = DataKind::Ratings;
    all.users = {0};
    all.items = {0};
    all.targets = {4.0f};
    all.userCount = all.itemCount = 1;
    const QString e = dataError([&] { splitRatings(all, 0.2, 0.0, 1); });
    QVERIFY2(e.contains("1 rating(s) are too few for a 20% test split"), qPrintable(e));
  }

  // Found with the session fuzz target: numbers out of their type's range in a run history
  // were cast (undefined behaviour); they are refused, naming the line and the key.
  void historyNumbersOutOfRangeAreRefused_data() {
    QTest::addColumn<QString>("row");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("epoch 1e30") << R"({"row":"step","step":1,"epoch":1e30})" << "\"epoch\"";
    QTest::newRow("epoch 2^40") << R"({"row":"step","step":1,"epoch":1099511627776})" << "\"epoch\"";
    QTest::newRow("load 1e300") << R"({"row":"step","step":1,"expert_load":[1e300]})" << "expert_load";
  }
  void historyNumbersOutOfRangeAreRefused() {
    QFETCH(QString, row);
    QFETCH(QString, mentions);
    const std::string header = historyText(TrainConfig{}, RunHistory{});
    const std::string text = header + row.toStdString() + "\n";
    try {
      parseHistory(text, "h.jsonl");
      QFAIL("accepted");
    } catch (const HistoryFileError& e) {
      QVERIFY2(QString(e.what()).contains("h.jsonl:2:") && QString(e.what()).contains(mentions), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestReaderLimits)
#include "test_reader_limits.moc"
