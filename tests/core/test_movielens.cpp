// MovieLens: the three GroupLens layouts on small files, malformed lines, the dslabs export.
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "core/data/catalog.h"
#include "core/data/movielens.h"

using namespace moe::core;
using Strings = std::vector<std::string>;

namespace {

void write(const QTemporaryDir& dir, const QString& name, const std::string& bytes) {
  std::ofstream(dir.filePath(name).toStdString(), std::ios::binary) << bytes;
}

std::string flags(std::initializer_list<int> on) {
  std::string s;
  for (int g = 0; g < 19; ++g) s += std::find(on.begin(), on.end(), g) != on.end() ? "|1" : "|0";
  return s;
}

// The same four ratings in each layout: users 10, 20; items 5, 7, 9.
void writeFormat(const QTemporaryDir& dir, const QString& format) {
  if (format == "ml-100k") {
    write(dir, "u.data",
          "10\t5\t3\t881250949\n10\t7\t4\t881250950\n20\t5\t1\t881250951\n20\t9\t5\t1\n");
    write(dir, "u.item",
          "5|Toy Story (1995)|01-Jan-1995||http://x" + flags({3, 4, 5}) + "\n" +
              "7|Caf\xe9 (1996)|01-Jan-1996||http://y" + flags({8}) + "\n");
  } else if (format == "ml-1m") {
    write(dir, "ratings.dat",
          "10::5::3::978300760\r\n10::7::4::978300761\r\n20::5::1::1\r\n20::9::5::2\r\n");
    write(dir, "movies.dat",
          "5::Toy Story (1995)::Animation|Children's|Comedy\n7::Café (1996)::Drama\n");
  } else {
    write(dir, "ratings.csv",
          "userId,movieId,rating,timestamp\n10,5,3.0,1\n10,7,4.0,2\n20,5,1.0,3\n20,9,5.0,4\n");
    write(dir, "movies.csv",
          "movieId,title,genres\n5,\"Toy Story, The (1995)\",Animation|Children's|Comedy\n"
          "7,Café (1996),Drama\n9,Nothing (2000),(no genres listed)\n");
  }
}

}  // namespace

class TestMovieLens : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void formats_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("expectedFormat");
    QTest::newRow("ml-100k") << "ml-100k" << int(MovieLensFormat::Ml100k);
    QTest::newRow("ml-1m") << "ml-1m" << int(MovieLensFormat::Ml1m);
    QTest::newRow("ml-latest") << "ml-latest" << int(MovieLensFormat::MlLatest);
  }
  void formats() {
    QFETCH(QString, format);
    QFETCH(int, expectedFormat);
    QTemporaryDir dir;
    writeFormat(dir, format);
    const std::string path = dir.path().toStdString();
    QCOMPARE(int(detectMovieLensFormat(path)), expectedFormat);
    LoadReport report;
    const Dataset d = readMovieLens(path, report);
    QCOMPARE(report.skipped, 0);
    QCOMPARE(d.kind, DataKind::Ratings);
    QCOMPARE(d.rows(), 4);
    QCOMPARE(d.userCount, 2);
    QCOMPARE(d.itemCount, 3);
    QCOMPARE(d.userIds, (std::vector<std::int64_t>{10, 20}));
    QCOMPARE(d.itemIds, (std::vector<std::int64_t>{5, 7, 9}));
    QCOMPARE(d.users, (std::vector<std::int32_t>{0, 0, 1, 1}));
    QCOMPARE(d.items, (std::vector<std::int32_t>{0, 1, 0, 2}));
    QCOMPARE(d.targets, (std::vector<float>{3, 4, 1, 5}));
    QCOMPARE(d.userRatings, (std::vector<std::int32_t>{2, 2}));
    QCOMPARE(d.itemRatings, (std::vector<std::int32_t>{2, 1, 1}));
    QVERIFY(d.itemTitles[0].starts_with("Toy Story"));
    QCOMPARE(d.itemTitles[1], std::string("Café (1996)"));  // Latin-1 in ml-100k, converted
    QCOMPARE(d.itemTitles[2], std::string(format == "ml-latest" ? "Nothing (2000)" : ""));
    Strings genres;
    for (std::size_t g = 0; g < d.genreNames.size(); ++g)
      if (d.itemGenres[0] & (1u << g)) genres.push_back(d.genreNames[g]);
    QCOMPARE(genres, (Strings{"Animation", "Children's", "Comedy"}));
    QCOMPARE(d.itemGenres[2], 0u);
  }

  void malformedLines() {
    QTemporaryDir dir;
    write(dir, "ratings.csv",
          "userId,movieId,rating,timestamp\n"
          "1,5,3.5,1\n"
          "1,5\n"         // line 3: too few fields
          "x,5,3,1\n"     // line 4: bad id
          "2,5,7,1\n"     // line 5: out of range
          "2,5,0,1\n"     // line 6: out of range
          "2,6,good,1\n"  // line 7: not a number
          "2,6,0.5,1\n");
    LoadReport r;
    const Dataset d = readMovieLens(dir.path().toStdString(), r);
    QCOMPARE(d.rows(), 2);
    QCOMPARE(r.skipped, 5);
    QStringList all;
    for (const auto& p : r.problems) all << QString::fromStdString(p);
    const QString joined = all.join(" | ");
    for (const char* expected :
         {"ratings.csv:3: expected 4 fields", "ratings.csv:4: user and item ids must be integers",
          "ratings.csv:5: rating 7 out of range 0.5..5", "ratings.csv:6: rating 0 out of range",
          "ratings.csv:7: rating 'good' is not a number"})
      QVERIFY2(joined.contains(expected), qPrintable(expected + (" not in: " + joined)));
  }

  void errors() {
    QTemporaryDir dir;
    try {
      detectMovieLensFormat(dir.path().toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("no MovieLens ratings found"), e.what());
    }
    write(dir, "u.data", "1\t2\t9\t0\n");
    LoadReport r;
    QVERIFY_THROWS_EXCEPTION(DataError, readMovieLens(dir.path().toStdString(), r));
    // Without an export, the default spec says how to make one.
    qputenv("XDG_DATA_HOME", dir.path().toUtf8());
    try {
      loadDataset("movielens");
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("run scripts/export_movielens.sh"), e.what());
    }
    qunsetenv("XDG_DATA_HOME");
  }

  void dslabsExport() {
    const std::string dir = defaultMovieLensDir();
    if (!QFile::exists(QString::fromStdString(dir + "/ratings.csv")))
      QSKIP("MovieLens not exported; run scripts/export_movielens.sh");
    QElapsedTimer timer;
    timer.start();
    DataOptions opt;
    opt.validationFraction = 0.05;
    const DataSplits s = loadDataset("movielens", opt);
    const int total = s.train.rows() + s.validation.rows() + s.test.rows();
    qInfo(
        "MovieLens: %d ratings, %d users, %d items, %d genres in %lld ms; train %d, "
        "validation %d, test %d",
        total, s.train.userCount, s.train.itemCount, int(s.train.genreNames.size()),
        qint64(timer.elapsed()), s.train.rows(), s.validation.rows(), s.test.rows());
    QCOMPARE(total, 100004);
    QCOMPARE(s.train.userCount, 671);
    QCOMPARE(s.train.itemCount, 9066);
    QCOMPARE(s.report.skipped, 0);
    QCOMPARE(s.test.rows(), 20001);
    int unknown = 0;
    for (int i = 0; i < s.test.rows(); ++i)
      unknown += !s.train.knows(s.test.users[std::size_t(i)], s.test.items[std::size_t(i)]);
    QVERIFY(unknown > 0 && unknown < 2000);  // cold items exist but are rare
    int titled = 0;
    for (const auto& t : s.train.itemTitles) titled += !t.empty();
    QCOMPARE(titled, 9066);
  }
};

QTEST_GUILESS_MAIN(TestMovieLens)
#include "test_movielens.moc"
