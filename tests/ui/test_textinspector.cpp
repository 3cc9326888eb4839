// The text inspector on a small fortunes subset: typing a sentence colours its characters by
// expert and updates the language prediction; browsing filters test texts by language and
// errors; the training heatmap labels its rows with languages.
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include "core/data/dataset.h"
#include "core/task/task_info.h"
#include "core/data/fortunes.h"
#include "core/train/presets.h"
#include "ui/categorybarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/inspectorpanel.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/textinspectorpanel.h"
#include "ui/tokenroutingview.h"
#include "ui/trainingpanel.h"

using namespace moe;

class TextInspectorTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }
  ui::TextInspectorPanel* panel() const { return mWindow->textInspectorPanel(); }

 private Q_SLOTS:
  void initTestCase() {
    if (!QFile::exists(QString::fromLatin1(core::kFortunesRoot) + QStringLiteral("/de")))
      QSKIP("Debian's fortunes packages are not installed");
    QStandardPaths::setTestModeEnabled(true);
    mWindow = new ui::MainWindow;
    mWindow->resize(1400, 900);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow));
    core::TrainConfig config = core::presetFor("fortunes-langid");
    config.maxTrain = 1500;  // ~24 batches per epoch
    config.epochs = 50;
    config.threads = 1;
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    mWindow->start(config);
    QVERIFY(ready.wait(120000));
    QCOMPARE(c()->task().view, core::InspectorView::Text);
    QSignalSpy evals(c(), &ui::SessionController::evalAppended);
    c()->stepEpoch();  // an epoch, then the evaluation that fills the heatmap and the filters
    QVERIFY(evals.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 30000);
  }

  void heatmapRowsAreLanguages() {
    const QStringList rows = mWindow->trainingPanel()->heatmap()->rowNames();
    QCOMPARE(rows.size(), 9);
    QVERIFY(rows.contains(QStringLiteral("de · German")));
    QVERIFY(rows.contains(QStringLiteral("pt · Portuguese")));
  }

  void inspectorIsTheTextOne() {
    mWindow->showInspector();
    QTRY_VERIFY(panel()->isVisible());
    QVERIFY(!mWindow->inspectorPanel()->isVisible());
  }

  void typingColoursTokensAndPredicts() {
    mWindow->showInspector();
    QLineEdit* box = panel()->typingBox();
    box->setFocus();
    const int before = panel()->inspectionsShown();
    QTest::keyClicks(box, QStringLiteral("Der Hund schl"));  // keyClicks takes ASCII only
    QTest::sendKeyEvent(QTest::Click, box, Qt::Key_unknown, QStringLiteral("ä"), Qt::NoModifier);
    QTest::keyClicks(box, QStringLiteral("ft"));
    // Debounced: one inspection once the typing pauses (not one per key).
    QTRY_VERIFY_WITH_TIMEOUT(panel()->inspectionsShown() > before, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(panel()->routingView()->text(), QStringLiteral("Der Hund schläft"), 10000);
    QVERIFY(panel()->inspectionsShown() - before <= 3);

    ui::TokenRoutingView* view = panel()->routingView();
    QVERIFY(view->tokenCount() > 10);
    int coloured = 0;
    for (int i = 0; i < view->text().size(); ++i) {
      const int e = view->characterExpert(i);
      if (view->text()[i].isSpace()) {
        QCOMPARE(e, -1);  // no n-gram covers a space
        continue;
      }
      QVERIFY(e >= 0 && e < c()->config().model.experts);
      const QColor bg = view->characterColor(i);
      QCOMPARE(bg.rgb(), ui::TokenRoutingView::expertColor(e).rgb());
      QVERIFY(!view->toolTipFor(i).isEmpty());
      ++coloured;
    }
    QCOMPARE(coloured, 14);  // "DerHundschläft": ä is one character
    double share = 0.0;
    for (double s : view->firstChoiceShare()) share += s;
    QVERIFY(qAbs(share - 1.0) < 1e-6);

    const std::vector<double> probs = panel()->predictionChart()->values();
    QCOMPARE(int(probs.size()), 9);
    double sum = 0.0;
    for (double p : probs) sum += p;
    QVERIFY(qAbs(sum - 1.0) < 1e-3);
    const std::vector<double> first = probs;

    // More typing: the routing and the prediction follow.
    QTest::keyClicks(box, QStringLiteral(" und die Katze auch"));
    QTRY_COMPARE_WITH_TIMEOUT(view->text(), QStringLiteral("Der Hund schläft und die Katze auch"), 10000);
    QVERIFY(view->tokenCount() > 40);
    QVERIFY(panel()->predictionChart()->values() != first);
    QVERIFY(panel()->inspection().has_value());
    QCOMPARE(int(panel()->inspection()->tokens.size()), view->tokenCount());
  }

  void browseByLanguageAndErrors() {
    const auto data = c()->data();
    int de = -1;
    for (int k = 0; k < data->test.classes; ++k)
      if (data->test.classNames[std::size_t(k)] == "de") de = k;
    QVERIFY(de >= 0);
    panel()->setFilter(de, -1, false);
    QVERIFY(!panel()->matches().empty());
    for (int i : panel()->matches()) QCOMPARE(data->test.labels[std::size_t(i)], de);
    QVERIFY(panel()->list()->count() > 0);
    panel()->list()->setCurrentRow(0);
    const int row = panel()->list()->item(0)->data(Qt::UserRole).toInt();
    QTRY_VERIFY_WITH_TIMEOUT(panel()->inspection() && panel()->inspection()->index == row, 10000);
    QCOMPARE(panel()->routingView()->text(), QString::fromStdString(data->test.texts[std::size_t(row)]));
    QVERIFY(panel()->routingView()->tokenCount() > 0);

    panel()->setFilter(-1, -1, true);
    const auto report = c()->latestEval();
    QVERIFY(report);
    for (int i : panel()->matches())
      QVERIFY(report->predictions[std::size_t(i)] != report->labels[std::size_t(i)]);
    panel()->setFilter(-1, 1, false);
    for (int i : panel()->matches()) {
      const auto* top = report->topExperts.data() + std::size_t(i) * std::size_t(report->k);
      QVERIFY(std::find(top, top + report->k, 1) != top + report->k);
    }
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(TextInspectorTest)
#include "test_textinspector.moc"
