// The recommendation view on MovieLens (the exported latest-small, or a tiny GroupLens folder
// written here when it is missing): genre x expert heatmap, a user's expert shares and top-N
// table, RMSE labels on the training dashboard, and a missing folder as a banner message.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/data/dataset.h"
#include "core/task/task_info.h"
#include "core/data/movielens.h"
#include "core/train/presets.h"
#include "ui/categorybarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/recommendpanel.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"
#include "ui/trainingpanel.h"

using namespace moe;

namespace {

/** ml-latest layout: 40 users, 60 films in 6 genres, ~1200 ratings, titles with commas. */
bool writeTinyMovieLens(const QString& dir) {
  const QStringList genres = {QStringLiteral("Action"), QStringLiteral("Comedy"), QStringLiteral("Drama"),
                              QStringLiteral("Horror"), QStringLiteral("Romance"), QStringLiteral("Sci-Fi")};
  QFile movies(dir + QStringLiteral("/movies.csv"));
  QFile ratings(dir + QStringLiteral("/ratings.csv"));
  if (!movies.open(QIODevice::WriteOnly) || !ratings.open(QIODevice::WriteOnly)) return false;
  movies.write("movieId,title,genres\n");
  for (int m = 1; m <= 60; ++m) {
    const QString g = genres[m % 6] + (m % 4 == 0 ? QStringLiteral("|") + genres[(m + 1) % 6] : QString());
    movies.write(QStringLiteral("%1,\"Film %1, The (19%2)\",%3\n").arg(m).arg(70 + m % 30).arg(g).toUtf8());
  }
  ratings.write("userId,movieId,rating,timestamp\n");
  std::uint32_t state = 12345;
  for (int u = 1; u <= 40; ++u) {
    for (int k = 0; k < 30; ++k) {
      state = state * 1664525u + 1013904223u;
      const int m = 1 + int((state >> 8) % 60u);
      const double r = (u % 6 == m % 6) ? 4.5 : ((u + m) % 3 == 0 ? 2.0 : 3.5);
      ratings.write(QStringLiteral("%1,%2,%3,%4\n").arg(u).arg(m).arg(r, 0, 'f', 1).arg(1000000 + k).toUtf8());
    }
  }
  return true;
}

}  // namespace

class RecommendPanelTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  QTemporaryDir mTemp;
  ui::SessionController* c() const { return mWindow->controller(); }
  ui::RecommendPanel* panel() const { return mWindow->recommendPanel(); }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QString spec = QStringLiteral("movielens");
    const QString exported = QString::fromStdString(core::defaultMovieLensDir());
    if (!QFile::exists(exported + QStringLiteral("/ratings.csv")) || !QFile::exists(exported + QStringLiteral("/movies.csv"))) {
      QVERIFY(mTemp.isValid());
      QVERIFY(writeTinyMovieLens(mTemp.path()));
      spec = QStringLiteral("movielens:") + mTemp.path();
    }
    mWindow = new ui::MainWindow;
    mWindow->resize(1400, 900);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow));
    core::TrainConfig config = core::presetFor(spec.toStdString());
    config.maxTrain = 8000;
    config.epochs = 50;
    config.threads = 1;
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    mWindow->start(config);
    QVERIFY(ready.wait(120000));
    QCOMPARE(c()->task().view, core::InspectorView::Recommendations);
    QSignalSpy evals(c(), &ui::SessionController::evalAppended);
    c()->stepEpoch();
    QVERIFY(evals.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 30000);
  }

  void dashboardSaysRmse() {
    ui::SeriesPlot* acc = mWindow->trainingPanel()->accuracyPlot();
    QVERIFY(acc->title().contains(QStringLiteral("RMSE")));
    QVERIFY(acc->title().contains(QStringLiteral("lower is better")));
    QVERIFY(acc->yAxis->label().contains(QStringLiteral("RMSE")));
    QVERIFY(c()->latestEval()->regression);
    QVERIFY(c()->latestEval()->quality > 0.3 && c()->latestEval()->quality < 2.5);  // an RMSE in stars
  }

  void genreHeatmaps() {
    const auto data = c()->data();
    QStringList genres;
    for (const std::string& g : data->test.genreNames) genres << QString::fromStdString(g);
    QVERIFY(genres.size() >= 2);
    QCOMPARE(mWindow->trainingPanel()->heatmap()->rowNames(), genres);
    mWindow->showInspector();
    QTRY_VERIFY(panel()->isVisible());
    QCOMPARE(panel()->heatmap()->rowNames(), genres);
    QCOMPARE(panel()->heatmap()->classes(), int(genres.size()));
    QCOMPARE(panel()->heatmap()->experts(), c()->config().model.experts);
  }

  void pickUserShowsRecommendations() {
    const auto data = c()->data();
    int user = -1;  // a user with training ratings in the subset
    for (int u = 1; u < int(data->train.userRatings.size()) && user < 0; ++u)
      if (data->train.userRatings[std::size_t(u)] >= 5) user = u;
    QVERIFY(user > 0);
    QSignalSpy ready(c(), &ui::SessionController::recommendationsReady);
    panel()->userBox()->setValue(user);
    QTRY_VERIFY_WITH_TIMEOUT(panel()->recommendations() && panel()->recommendations()->user == user, 20000);
    const core::UserRecommendations& r = *panel()->recommendations();
    QVERIFY(r.known);
    double sum = 0.0;
    for (float s : r.expertShare) sum += double(s);
    QVERIFY(qAbs(sum - 1.0) < 1e-4);
    double shown = 0.0;
    for (double s : panel()->shareChart()->values()) shown += s;
    QVERIFY(qAbs(shown - 1.0) < 1e-4);

    QTableWidget* t = panel()->table();
    QCOMPARE(t->rowCount(), int(r.items.size()));
    QVERIFY(t->rowCount() > 0 && t->rowCount() <= 10);
    const int E = c()->config().model.experts;
    QCOMPARE(t->columnCount(), 3 + E);
    for (int row = 0; row < t->rowCount(); ++row) {
      QVERIFY(!t->item(row, 0)->text().isEmpty());
      const double predicted = t->item(row, 1)->text().toDouble();
      QVERIFY(predicted >= 0.5 && predicted <= 5.0);
      QVERIFY(t->item(row, 2)->text().startsWith(QLatin1Char('E')));
      int gates = 0;
      for (int e = 0; e < E; ++e) gates += t->item(row, 3 + e)->text().isEmpty() ? 0 : 1;
      QCOMPARE(gates, c()->config().model.topK);  // each chosen expert's gate, the rest blank
    }
    if (r.items.size() > 1) QVERIFY(r.items[0].predicted >= r.items[1].predicted);
  }

  void pickingADatasetLoadsItsPreset() {
    auto* combo = mWindow->setupPanel()->findChild<QComboBox*>(QStringLiteral("dataset"));
    QVERIFY(combo);
    combo->setCurrentIndex(combo->findData(QStringLiteral("fortunes-langid")));
    const core::TrainConfig picked = mWindow->setupPanel()->config();
    const core::TrainConfig preset = core::presetFor("fortunes-langid");
    QCOMPARE(picked.dataset, std::string("fortunes-langid"));
    QCOMPARE(picked.model.expertHidden, preset.model.expertHidden);
    QCOMPARE(picked.text.ngramMin, preset.text.ngramMin);
    QCOMPARE(picked.optim.lr, preset.optim.lr);
    QCOMPARE(picked.threads, 1);  // machine settings stay
    QCOMPARE(c()->task().view, core::InspectorView::Recommendations);  // nothing applied until Apply
    mWindow->setupPanel()->setConfig(c()->config());
  }

  void missingFolderIsABannerNotACrash() {
    core::TrainConfig config = c()->config();
    config.dataset = "movielens:/nonexistent/movielens";
    QSignalSpy notice(c(), &ui::SessionController::notice);
    c()->apply(config);
    QTRY_VERIFY_WITH_TIMEOUT(mWindow->banner()->isVisible() && mWindow->banner()->isError(), 30000);
    QVERIFY(mWindow->banner()->text().contains(QStringLiteral("nonexistent")));
    QCOMPARE(c()->task().view, core::InspectorView::Recommendations);  // the previous session stays
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(RecommendPanelTest)
#include "test_recommendpanel.moc"
