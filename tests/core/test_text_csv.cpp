// The user's labelled CSV/TSV texts: RFC 4180 quoting, header detection, bad lines reported.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "core/data/catalog.h"
#include "core/data/text_csv.h"

using namespace moe::core;
using Strings = std::vector<std::string>;

Q_DECLARE_METATYPE(Strings)

namespace {

std::string write(const QTemporaryDir& dir, const QString& name, const std::string& bytes) {
  const std::string path = dir.filePath(name).toStdString();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

QString problems(const LoadReport& r) {
  QStringList l;
  for (const auto& p : r.problems) l << QString::fromStdString(p);
  return l.join(" | ");
}

}  // namespace

class TestTextCsv : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void parseFields_data() {
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<Strings>("fields");
    QTest::newRow("plain") << QByteArray("a,b,c\n") << Strings{"a", "b", "c"};
    QTest::newRow("quoted comma") << QByteArray("\"a,b\",c") << Strings{"a,b", "c"};
    QTest::newRow("doubled quote")
        << QByteArray("\"say \"\"hi\"\"\",x\r\n") << Strings{"say \"hi\"", "x"};
    QTest::newRow("embedded newline") << QByteArray("\"l1\nl2\",x\n") << Strings{"l1\nl2", "x"};
    QTest::newRow("crlf") << QByteArray("a,b\r\n") << Strings{"a", "b"};
    QTest::newRow("empty fields") << QByteArray(",,\n") << Strings{"", "", ""};
    QTest::newRow("bom") << QByteArray("\xEF\xBB\xBFx,y") << Strings{"x", "y"};
  }
  void parseFields() {
    QFETCH(QByteArray, csv);
    QFETCH(Strings, fields);
    LoadReport r;
    const auto recs = parseCsv(csv.toStdString(), ',', r, "f");
    QCOMPARE(r.skipped, 0);
    QCOMPARE(recs.size(), std::size_t(1));
    QCOMPARE(recs[0].fields, fields);
  }

  void malformedQuotingResumes() {
    LoadReport r;
    const auto recs =
        parseCsv("1,ok\n2,\"bad\"x,y\n3,\"never closed\n4,fine\n\n5,\"multi\nline\"\n6,z\n", ',', r,
                 "f.csv");
    QCOMPARE(r.skipped, 2);
    QCOMPARE(QString::fromStdString(r.problems[0]),
             QString("f.csv:2: unexpected character after a closing quote"));
    QCOMPARE(QString::fromStdString(r.problems[1]), QString("f.csv:3: quoted field never closed"));
    std::vector<int> lines;
    for (const auto& rec : recs) lines.push_back(rec.line);
    QCOMPARE(lines, (std::vector<int>{1, 4, 6, 8}));
    QCOMPARE(recs[2].fields[1], std::string("multi\nline"));
  }

  void agNews_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("rows");
    QTest::newRow("no header") << QByteArray(
                                      "\"3\",\"Wall St. Bears Claw Back\",\"Reuters - "
                                      "Short-sellers, Wall Street's dwindling\"\n"
                                      "\"4\",\"Google IPO\",\"Google, \"\"the\"\" search engine\"\n"
                                      "\"1\",\"Iraq\",\"Fighting\"\n")
                               << 3;
    QTest::newRow("header") << QByteArray(
                                   "Class Index,Title,Description\n3,Wall "
                                   "St.,Short-sellers\n4,Google,search\n1,Iraq,war\n")
                            << 3;
  }
  void agNews() {
    QFETCH(QByteArray, content);
    QFETCH(int, rows);
    QTemporaryDir dir;
    const TextCorpus c = readTextCsv(write(dir, "train.csv", content.toStdString()));
    QCOMPARE(int(c.texts.size()), rows);
    QCOMPARE(c.classNames, (Strings{"1", "2", "3", "4"}));  // 1-based labels
    QCOMPARE(c.labels, (std::vector<std::int32_t>{2, 3, 0}));
    QVERIFY(c.texts[0].starts_with("Wall St."));
    QCOMPARE(c.report.skipped, 0);
  }

  void stringLabelsTsv() {
    QTemporaryDir dir;
    const TextCorpus c =
        readTextCsv(write(dir, "langs.tsv", "label\ttext\nfr\tbonjour\nen\thello\nfr\tsalut\n"));
    QCOMPARE(c.classNames, (Strings{"en", "fr"}));
    QCOMPARE(c.labels, (std::vector<std::int32_t>{1, 0, 1}));
  }

  void badLinesReported() {
    QTemporaryDir dir;
    const std::string path = write(dir, "bad.csv",
                                   "1,good one\n"
                                   "2\n"                  // line 2: too few fields
                                   "x,not a label\n"      // line 3: bad label
                                   "2,caf\xe9 latin-1\n"  // line 4: invalid UTF-8
                                   "1,   \n"              // line 5: empty text
                                   ",no label\n"          // line 6: empty label
                                   "2,\"open\n"           // line 7: quote never closed
                                   "2,good two\n"
                                   "1,good one\n");  // line 9: duplicate
    const TextCorpus c = readTextCsv(path);
    QCOMPARE(int(c.texts.size()), 2);
    QCOMPARE(c.report.skipped, 6);
    QCOMPARE(c.report.invalidUtf8, 1);
    QCOMPARE(c.report.duplicates, 1);
    const QString all = problems(c.report);
    for (const char* expected :
         {"bad.csv:2: expected at least 2 fields, found 1", "bad.csv:3: label 'x' is not",
          "bad.csv:4: invalid UTF-8", "bad.csv:5: empty text", "bad.csv:6: empty label",
          "bad.csv:7: quoted field never closed"})
      QVERIFY2(all.contains(expected), qPrintable(expected + (" not in: " + all)));
  }

  void nothingValidRefused() {
    QTemporaryDir dir;
    const std::string path = write(dir, "empty.csv", "1,\n2,  \n");
    try {
      readTextCsv(path);
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("empty.csv: no valid labelled text (2 lines skipped; "
                                          "first: "),
               e.what());
    }
  }

  void problemsCapped() {
    QTemporaryDir dir;
    std::string content = "1,ok\n";
    for (int i = 0; i < 50; ++i) content += "7\n";
    const TextCorpus c = readTextCsv(write(dir, "many.csv", content));
    QCOMPARE(c.report.skipped, 50);
    QCOMPARE(int(c.report.problems.size()), LoadReport::kMaxProblems);
  }

  void catalogTextCsv() {
    QTemporaryDir dir;
    std::string content;
    for (int i = 0; i < 200; ++i)
      content += std::to_string(1 + i % 2) + ",text number " + std::to_string(i) + "\n";
    DataOptions opt;
    opt.validationFraction = 0.1;
    opt.tokenizer.mode = TokenizerOptions::Mode::Words;
    const DataSplits s = loadDataset("text-csv:" + write(dir, "t.csv", content), opt);
    QCOMPARE(s.test.rows(), 40);
    QCOMPARE(s.validation.rows(), 16);
    QCOMPARE(s.train.rows(), 144);
    QCOMPARE(s.train.classes, 2);
    QCOMPARE(s.train.tokenOffsets[1] - s.train.tokenOffsets[0], 3);  // three words
  }
};

QTEST_GUILESS_MAIN(TestTextCsv)
#include "test_text_csv.moc"
