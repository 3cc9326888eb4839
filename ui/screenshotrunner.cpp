#include "ui/screenshotrunner.h"

#include <algorithm>

#include <QCheckBox>
#include <QLineEdit>
#include <QListWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

#include "core/routing/routing_history.h"
#include "ui/ablationpanel.h"
#include "ui/experimentplots.h"
#include "ui/experimentspanel.h"
#include "ui/gallerypanel.h"
#include "ui/hmetreepanel.h"
#include "ui/routerhealthpanel.h"
#include "ui/inspectorpanel.h"
#include "ui/layerscreenshot.h"
#include "ui/mainwindow.h"
#include "ui/playgroundpanel.h"
#include "ui/recommendpanel.h"
#include "ui/sessioncontroller.h"
#include "ui/textinspectorpanel.h"

namespace moe::ui {

namespace {
// The fourth listed input, or a later one whose first expert changed across the evaluations:
// the inspector's "Routing across evaluations" then has a change to show.
int routingChangedRow(const QListWidget* list, const SessionController* c) {
  const int fallback = std::min(3, list->count() - 1);
  const auto eval = c->latestEval();
  if (!eval || !eval->routingHistory) return fallback;
  for (int i = fallback; i < std::min(list->count(), 100); ++i) {
    const auto h = eval->routingHistory->of(list->item(i)->data(Qt::UserRole).toInt());
    for (std::size_t j = 1; j < h.size(); ++j)
      if (h[j].experts.front() != h[j - 1].experts.front()) return i;
  }
  return fallback;
}
}  // namespace

ScreenshotRunner::ScreenshotRunner(MainWindow* window, const QString& path, View view,
                                   double trainSeconds, QObject* parent)
    : QObject(parent), mWindow(window), mPath(path), mView(view), mTrainSeconds(trainSeconds) {}

void ScreenshotRunner::start() {
  SessionController* c = mWindow->controller();
  c->setEvalEvery(100);  // evaluations every 100 steps fill the test curves and the heatmap
  connect(c, &SessionController::sessionReady, this, [this, c] {
    if (mStarted) return;
    mStarted = true;
    c->setEvalEvery(100);
    c->play();
    QTimer::singleShot(int(mTrainSeconds * 1000), this, &ScreenshotRunner::afterTraining);
  });
}

void ScreenshotRunner::afterTraining() {
  SessionController* c = mWindow->controller();
  if (mView == View::Training) {
    QTimer::singleShot(100, this, &ScreenshotRunner::grab);  // mid-training: keep it running
    return;
  }
  if (mView == View::Tree) {  // the hme's gating tree, mid-training
    if (auto* tree = mWindow->tabs()->findChild<HmeTreePanel*>()) mWindow->tabs()->setCurrentWidget(tree);
    QTimer::singleShot(800, this, &ScreenshotRunner::grab);
    return;
  }
  if (mView == View::Playground) return showPlayground();  // mid-training, as a class sees it
  if (mView == View::Health) {
    mWindow->tabs()->setCurrentWidget(mWindow->routerHealthPanel());
    QTimer::singleShot(800, this, &ScreenshotRunner::grab);  // mid-training, shown
    return;
  }
  c->pause();
  if (mView == View::Layers) {
    disconnect(c, nullptr, this, nullptr);
    Q_EMIT finished(layerHeatmaps(mWindow).save(mPath, "PNG"));
    return;
  }
  if (mView == View::Experiments) return showExperiments();
  if (mView == View::Ablation) {
    auto* ablation = mWindow->findChild<AblationPanel*>();
    mWindow->tabs()->setCurrentWidget(ablation);
    connect(ablation, &AblationPanel::finished, this, [this] {
      QTimer::singleShot(800, this, &ScreenshotRunner::grab);
    }, Qt::SingleShotConnection);
    ablation->ablate();
    return;
  }
  if (mView == View::Gallery) {
    mWindow->tabs()->setCurrentWidget(mWindow->galleryPanel());
    QTimer::singleShot(800, this, &ScreenshotRunner::grab);
    return;
  }
  if (mView == View::Text) return showText();
  if (mView == View::Recommend) return showRecommendations();
  InspectorPanel* inspector = mWindow->inspectorPanel();
  mWindow->showInspector();
  inspector->setFilter(-1, -1, true);  // a misclassified input tells the better story
  if (inspector->list()->count() == 0) inspector->setFilter(-1, -1, false);
  if (inspector->list()->count() > 0) inspector->list()->setCurrentRow(routingChangedRow(inspector->list(), c));
  connect(c, &SessionController::inspectionReady, this, [this] {
    QTimer::singleShot(600, this, &ScreenshotRunner::grab);
  });
}

void ScreenshotRunner::showText() {
  SessionController* c = mWindow->controller();
  mWindow->showInspector();
  TextInspectorPanel* text = mWindow->textInspectorPanel();
  text->setFilter(-1, -1, false);
  connect(c, &SessionController::textInspectionReady, this, [this] {
    QTimer::singleShot(800, this, &ScreenshotRunner::grab);
  }, Qt::SingleShotConnection);
  // Type it as a person would: the box inspects once the keys pause.
  text->typingBox()->setFocus();
  text->typingBox()->clear();
  text->typingBox()->insert(mTyped.isEmpty() ? tr("The quick brown fox jumps over the lazy dog") : mTyped);
  text->inspectTyped(text->typingBox()->text());
}

void ScreenshotRunner::showRecommendations() {
  SessionController* c = mWindow->controller();
  mWindow->showInspector();
  connect(c, &SessionController::recommendationsReady, this, [this] {
    QTimer::singleShot(800, this, &ScreenshotRunner::grab);
  }, Qt::SingleShotConnection);
  mWindow->recommendPanel()->setUser(mUser);
}

void ScreenshotRunner::showExperiments() {
  // A small sweep of the current setup: experts 2, 4 and 8 with k = 1 and 2, two seeds, and
  // the dense and bagging baselines; two runs' curves overlaid.
  auto* panel = mWindow->findChild<ExperimentsPanel*>();
  mWindow->tabs()->setCurrentWidget(panel);
  panel->setVaried(0, QStringLiteral("experts"), QStringLiteral("2, 4, 8"));
  panel->setVaried(1, QStringLiteral("top_k"), QStringLiteral("1, 2"));
  panel->setSeeds(QStringLiteral("0, 1"));
  panel->setBaselines({QStringLiteral("dense-active"), QStringLiteral("dense-total"), QStringLiteral("bagging")});
  connect(panel, &ExperimentsPanel::sweepFinished, this, [this, panel] {
    panel->resultsTable()->selectRow(2);
    panel->resultsTable()->setSelectionMode(QAbstractItemView::MultiSelection);
    panel->resultsTable()->selectRow(8);
    QTimer::singleShot(1000, this, &ScreenshotRunner::grab);
  }, Qt::SingleShotConnection);
  if (!panel->startSweep()) Q_EMIT finished(false);
}

void ScreenshotRunner::showPlayground() {
  PlaygroundPanel* playground = mWindow->playgroundPanel();
  mWindow->tabs()->setCurrentWidget(playground);
  // Two experts' own surfaces beside the mixture's: what a toggle shows.
  for (int e = 0; e < 2; ++e)
    if (QCheckBox* t = playground->expertToggle(e)) t->setChecked(true);
  // A dataset the playground cannot draw (images, text): its hint is the picture. Waiting for
  // a probe that never comes hung the screenshot until it was killed.
  const auto data = mWindow->controller()->data();
  if (!data || !PlaygroundPanel::draws(data->train)) {
    QTimer::singleShot(300, this, &ScreenshotRunner::grab);
    return;
  }
  playground->requestProbe();
  connect(playground, &PlaygroundPanel::probeDrawn, this, [this] {
    QTimer::singleShot(300, this, &ScreenshotRunner::grab);
  }, Qt::SingleShotConnection);
}

void ScreenshotRunner::grab() {
  disconnect(mWindow->controller(), nullptr, this, nullptr);
  const bool ok = mWindow->grab().save(mPath, "PNG");
  Q_EMIT finished(ok);
}

}  // namespace moe::ui
