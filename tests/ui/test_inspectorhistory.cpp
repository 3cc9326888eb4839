// The inspector's "Routing across evaluations" in the real window: one row per evaluation with
// its step and the router's experts for the selected input (checked against the published
// reports' gate probabilities), first-choice changes flagged, kept current when an evaluation
// arrives or another input is picked, and empty after Reset.
#include <map>

#include <QTableWidget>
#include <QtTest>

#include "core/data/fortunes.h"
#include "core/routing/router_diagnostics.h"
#include "core/train/presets.h"
#include "core/routing/routing_history.h"
#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/inspectorpanel.h"
#include "ui/mainwindow.h"
#include "ui/routinghistoryview.h"
#include "ui/sessioncontroller.h"
#include "ui/textinspectorpanel.h"

using namespace moe;

class InspectorHistoryTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  std::map<long, std::shared_ptr<const core::EvalReport>> mReports;  // by step, as published

  ui::SessionController* c() const { return mWindow->controller(); }
  ui::RoutingHistoryView* view() const {
    return mText ? mWindow->textInspectorPanel()->routingHistory() : mWindow->inspectorPanel()->routingHistory();
  }
  QTableWidget* table() const { return view()->table(); }
  bool mText = false;  // the text inspector's view (last case)

  // Trains until `more` further evaluations are published, then pauses.
  void trainEvaluations(std::size_t more) {
    const std::size_t want = c()->history().evals().size() + more;
    c()->play();
    QTRY_VERIFY_WITH_TIMEOUT(c()->history().evals().size() >= want, 240000);  // a loaded machine
    c()->pause();
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 20000);
    QTRY_VERIFY(c()->latestEval() && c()->latestEval()->step == c()->history().evals().back().step);
  }

  // The table shows `input`'s routing at every evaluation of the run, oldest first.
  void checkTable(int input) {
    const auto& evals = c()->history().evals();
    QCOMPARE(table()->rowCount(), int(evals.size()));
    const int k = view()->choices();
    QCOMPARE(k, 2);
    int checked = 0;
    for (int r = 0; r < table()->rowCount(); ++r) {
      QCOMPARE(table()->item(r, ui::RoutingHistoryView::StepColumn)->data(Qt::UserRole).toLongLong(),
               qlonglong(evals[std::size_t(r)].step));
      std::vector<std::int32_t> shown;
      for (int j = 0; j < k; ++j)
        shown.push_back(table()->item(r, ui::RoutingHistoryView::FirstChoiceColumn + j)->data(Qt::UserRole).toInt());
      const bool changed = table()->item(r, table()->columnCount() - 1)->data(Qt::UserRole).toBool();
      const int before = r > 0 ? table()->item(r - 1, ui::RoutingHistoryView::FirstChoiceColumn)->data(Qt::UserRole).toInt()
                               : shown[0];
      QCOMPARE(changed, shown[0] != before);
      // Where this evaluation's report reached the window, its gate probabilities decide.
      const auto it = mReports.find(evals[std::size_t(r)].step);
      if (it == mReports.end()) continue;
      const core::EvalReport& e = *it->second;
      QCOMPARE(shown, core::preferredExperts(e.gateProbs.data() + std::size_t(input) * std::size_t(e.experts),
                                             1, e.experts, k));
      ++checked;
    }
    QVERIFY(checked >= 2);
  }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    core::TrainConfig config;
    config.maxTrain = 1024;  // 8 batches per epoch
    config.epochs = 200;
    config.threads = 1;
    QVERIFY(moe::testing::openWindow(mWindow, config));
    connect(c(), &ui::SessionController::evalAppended, this,
            [this](std::shared_ptr<const core::EvalReport> r) { mReports[r->step] = r; });
    c()->setEvalEvery(3);
    mWindow->showInspector();
  }
  void cleanupTestCase() { delete mWindow; }

  void oneRowPerEvaluationForTheSelectedInput() {
    trainEvaluations(4);
    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    inspector->showInput(5);
    checkTable(5);
    QVERIFY(inspector->routingHistory()->titleText().contains(QStringLiteral("#5")));
    // The summary's margin is the router's top-2 margin of the inspected gate, at its step.
    QTRY_VERIFY(inspector->inspection() && inspector->inspection()->index == 5);
    const core::Inspection& in = *inspector->inspection();
    const float m = core::topkMargins(in.gateProbs.data(), 1, int(in.gateProbs.size()), 2)[0];
    QVERIFY2(inspector->summaryText().contains(QStringLiteral("top-2 margin at step %1: <b>%2</b>")
                                                   .arg(in.step).arg(double(m), 0, 'f', 3)),
             qPrintable(inspector->summaryText()));
    // Another input: its own experts, at once.
    inspector->showInput(11);
    checkTable(11);
    // A new evaluation adds its row to the input on display.
    const int rows = table()->rowCount();
    trainEvaluations(1);
    QVERIFY(table()->rowCount() > rows);
    checkTable(11);
  }

  void resetLeavesNoHistory() {
    QVERIFY(table()->rowCount() > 0);
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    c()->reset();
    QVERIFY(ready.wait(60000));
    QCOMPARE(table()->rowCount(), 0);
    QCOMPARE(mWindow->inspectorPanel()->currentInput(), -1);
    // The new model's first evaluation starts a new history of one row.
    mReports.clear();
    mWindow->inspectorPanel()->showInput(5);
    QCOMPARE(table()->rowCount(), 0);
    trainEvaluations(1);
    QCOMPARE(table()->rowCount(), int(c()->history().evals().size()));
    QVERIFY(table()->rowCount() >= 1);
  }

  void textInspectorShowsATestTextsHistory() {
    if (!QFile::exists(QString::fromLatin1(core::kFortunesRoot) + QStringLiteral("/de")))
      QSKIP("Debian's fortunes packages are not installed");
    delete mWindow;
    mReports.clear();
    core::TrainConfig config = core::presetFor("fortunes-langid");
    config.maxTrain = 1500;
    config.epochs = 50;
    config.threads = 1;
    QVERIFY(moe::testing::openWindow(mWindow, config));
    mText = true;
    connect(c(), &ui::SessionController::evalAppended, this,
            [this](std::shared_ptr<const core::EvalReport> r) { mReports[r->step] = r; });
    c()->setEvalEvery(2);
    mWindow->showInspector();
    trainEvaluations(3);
    ui::TextInspectorPanel* text = mWindow->textInspectorPanel();
    QVERIFY(!view()->isVisible());  // nothing picked yet
    text->showInput(3);
    QVERIFY(view()->isVisible());
    checkTable(3);
    text->inspectTyped(QStringLiteral("Guten Morgen"));  // typed text: never evaluated
    QVERIFY(!view()->isVisible());
    QCOMPARE(table()->rowCount(), 0);
  }
};

QTEST_MAIN(InspectorHistoryTest)
#include "test_inspectorhistory.moc"
