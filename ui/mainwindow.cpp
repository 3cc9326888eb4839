#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "core/data/dataset_table.h"
#include "core/task/task_info.h"
#include "ui/ablationpanel.h"
#include "ui/controlbar.h"
#include "ui/experimentspanel.h"
#include "ui/gallerypanel.h"
#include "ui/hmetreepanel.h"
#include "ui/inspectorpanel.h"
#include "ui/messagebanner.h"
#include "ui/parallelpanel.h"
#include "ui/playgroundpanel.h"
#include "ui/plotview.h"
#include "ui/presentationmode.h"
#include "ui/recommendpanel.h"
#include "ui/routerhealthpanel.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"
#include "ui/teacherpresetbar.h"
#include "ui/textinspectorpanel.h"
#include "ui/trainingpanel.h"

namespace moe::ui {

namespace {
const QString kConfigKey = QStringLiteral("session/config");
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("MoE Explorer"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/moe-explorer.png")));
  mController = new SessionController(this);
  mControls = new ControlBar(mController, this);
  addToolBar(Qt::TopToolBarArea, mControls);

  mSetup = new SetupPanel(this);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(mSetup);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(mSetup->sizeHint().width() + 24);
  auto* dock = new QDockWidget(tr("Setup"), this);
  dock->setObjectName(QStringLiteral("setupDock"));
  dock->setWidget(scroll);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                    QDockWidget::DockWidgetClosable);
  addDockWidget(Qt::LeftDockWidgetArea, dock);

  mTraining = new TrainingPanel(mController, this);
  mTraining->setObjectName(QStringLiteral("training"));  // TeacherPreset::view
  mInspector = new InspectorPanel(mController, this);
  mTextInspector = new TextInspectorPanel(mController, this);
  mRecommend = new RecommendPanel(mController, this);
  mInspectorStack = new QStackedWidget(this);
  mInspectorStack->addWidget(mInspector);
  mInspectorStack->addWidget(mTextInspector);
  mInspectorStack->addWidget(mRecommend);
  mGallery = new GalleryPanel(mController, this);
  mTabs = new QTabWidget(this);
  mTabs->addTab(mTraining, tr("Training"));
  mTabs->addTab(mInspectorStack, tr("Inspector"));
  mTabs->addTab(mGallery, tr("Expert gallery"));
  mHealth = new RouterHealthPanel(mController, this);
  mTabs->addTab(mHealth, tr("Router health"));
  mTabs->addTab(new HmeTreePanel(mController, this), tr("Gating tree"));
  auto* experiments = new ExperimentsPanel(mController, this);
  experiments->setObjectName(QStringLiteral("experimentsPanel"));
  mTabs->addTab(experiments, tr("Experiments"));
  // A sweep run opened from the table: its curves are in the Training tab.
  connect(experiments, &ExperimentsPanel::runOpened, this, [this] { mTabs->setCurrentWidget(mTraining); });
  auto* ablation = new AblationPanel(mController, this);
  ablation->setObjectName(QStringLiteral("ablationPanel"));
  mTabs->addTab(ablation, tr("Ablation"));
  // Expert parallelism: shown while the open history is a parallel run's (moe-train
  // --parallel expert --history).
  auto* parallel = new ParallelPanel(mController, this);
  const int parallelTab = mTabs->addTab(parallel, tr("Parallel"));
  mTabs->setTabVisible(parallelTab, false);
  connect(parallel, &ParallelPanel::availabilityChanged, this,
          [this, parallelTab](bool on) { mTabs->setTabVisible(parallelTab, on); });
  mPlayground = new PlaygroundPanel(mController, this);
  mPlayground->setObjectName(QStringLiteral("playground"));  // TeacherPreset::view
  mTabs->addTab(mPlayground, tr("Playground"));
  mPresets = new TeacherPresetBar(this);
  addToolBar(Qt::TopToolBarArea, mPresets);
  QFont tabFont = mTabs->tabBar()->font();
  tabFont.setPointSize(tabFont.pointSize() + 2);
  mTabs->tabBar()->setFont(tabFont);
  mBanner = new MessageBanner(this);
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(mBanner);
  layout->addWidget(mTabs, 1);
  setCentralWidget(central);

  mStateLabel = new QLabel(this);
  mStateLabel->setObjectName(QStringLiteral("stateLabel"));
  mStepLabel = new QLabel(this);
  mSpeedLabel = new QLabel(this);
  mBackendLabel = new QLabel(this);
  mEpochBar = new QProgressBar(this);
  mEpochBar->setRange(0, 1000);
  mEpochBar->setMaximumWidth(160);
  mEpochBar->setTextVisible(false);
  statusBar()->addWidget(mStateLabel);
  statusBar()->addWidget(mStepLabel);
  statusBar()->addWidget(mEpochBar);
  statusBar()->addWidget(mSpeedLabel);
  statusBar()->addPermanentWidget(mBackendLabel);
  QFont sf = statusBar()->font();
  sf.setPointSize(sf.pointSize() + 1);
  statusBar()->setFont(sf);

  mPresentation = new PresentationMode(this, mTraining);
  buildMenus();

  connect(mSetup, &SetupPanel::applyRequested, this, [this] { mController->apply(mSetup->config()); });
  connect(mControls, &ControlBar::resetRequested, mController, &SessionController::reset);
  connect(mControls, &ControlBar::playUnavailable, this, [this](const QString& why) { mBanner->showMessage(why, false); });
  connect(mSetup, &SetupPanel::notice, this, [this](const QString& text) { mBanner->showMessage(text, false); });
  connect(mSetup, &SetupPanel::liveChanged, mController, &SessionController::setLive);
  connect(mTraining, &TrainingPanel::heatmapCellClicked, this, [this](int cls, int expert) {
    switch (mController->task().view) {
      case core::InspectorView::Text: mTextInspector->setFilter(cls, expert, false); break;
      case core::InspectorView::Inputs: mInspector->setFilter(cls, expert, false); break;
      case core::InspectorView::Recommendations: break;  // its rows are genres, not test rows
    }
    showInspector();
  });
  // An alarm picked in the Router health list: its step on the training plots.
  connect(mHealth, &RouterHealthPanel::stepRequested, this, [this](long step) {
    mTraining->showStep(step);
    mTabs->setCurrentWidget(mTraining);
  });
  connect(mGallery, &GalleryPanel::inputActivated, this, [this](int row) {
    mInspector->showInput(row);
    showInspector();
  });
  connect(mController, &SessionController::notice, mBanner, &MessageBanner::showMessage);
  connect(mPlayground, &PlaygroundPanel::notice, mBanner, &MessageBanner::showMessage);
  connect(mController, &SessionController::buildStarted, this, [this](const QString& what) {
    mStateLabel->setText(what);
  });
  connect(mController, &SessionController::sessionReady, this, [this] {
    if (mController->data())
      mSetup->setDataShape(core::shapeOf(*mController->data()), mController->config().dataset);
    mSetup->setConfig(mController->config());
    adaptToData();
    if (!mBanner->isError()) mBanner->hide();
    updateStatus();
  });
  connect(mController, &SessionController::snapshotUpdated, this, &MainWindow::updateStatus);
  connect(mController, &SessionController::sessionSaved, this,
          [this](const QString& dir, bool ok, const QString& error) {
            if (ok)
              statusBar()->showMessage(tr("Session saved to %1").arg(dir), 5000);
            else
              mBanner->showMessage(tr("Saving the session failed: %1").arg(error), true);
          });
  connect(mController, &SessionController::sessionLoaded, this,
          [this](const QString& dir, bool ok, const QString& error) {
            if (ok)
              statusBar()->showMessage(tr("Session loaded from %1 %2").arg(dir, error), 5000);
            else
              mBanner->showMessage(tr("Loading the session failed: %1").arg(error), true);
          });
  for (PlotView* plot : mTraining->plots()) {
    connect(plot, &PlotView::exportFinished, this, [this](const QString& path, bool ok, const QString& error) {
      if (ok)
        statusBar()->showMessage(tr("Exported %1").arg(path), 5000);
      else
        mBanner->showMessage(tr("Export failed: %1").arg(error), true);
    });
  }

  QSettings settings;
  if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
    resize(1600, 1000);
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  updateStatus();
}

MainWindow::~MainWindow() = default;

core::TrainConfig MainWindow::rememberedConfig() {
  core::TrainConfig config;
  config.epochs = 20;  // an exploration runs until paused, not one epoch
  const QString text = QSettings().value(kConfigKey).toString();
  if (text.isEmpty()) return config;
  try {
    nlohmann::json::parse(text.toStdString()).get_to(config);
  } catch (const std::exception&) {
    config = core::TrainConfig{};  // settings from an older version: start from the defaults
    config.epochs = 20;
  }
  return config;
}

void MainWindow::start(const core::TrainConfig& config) {
  mSetup->setConfig(config);
  mController->apply(config);
}

QString MainWindow::stepText() const { return mStepLabel->text(); }

void MainWindow::updateStatus() {
  const core::Snapshot& s = mController->snapshot();
  if (!mController->hasSession()) {
    if (!mController->isBuilding()) mStateLabel->setText(tr("No session"));
    return;
  }
  mStateLabel->setText(QStringLiteral("<b>%1</b>").arg(QString::fromLatin1(core::trainerStateName(s.state))));
  // Epochs count from 1 on screen; a finished run stays on its last epoch.
  const int shown = s.state == core::TrainerState::Finished ? s.epoch : s.epoch + 1;
  mStepLabel->setText(tr("epoch %1 · step %2").arg(shown).arg(s.step));
  mEpochBar->setValue(int((s.epochProgress - std::floor(s.epochProgress)) * 1000));
  mSpeedLabel->setText(tr("%1 samples/s").arg(s.samplesPerSecond, 0, 'f', 0));
  mBackendLabel->setText(QString::fromStdString(s.backendName));
}

void MainWindow::saveSession(const QString& dir) { mController->saveSession(dir); }
void MainWindow::loadSession(const QString& dir) { mController->loadSession(dir); }
void MainWindow::openRunHistory(const QString& path) { mController->openRunHistory(path); }

void MainWindow::showInspector() { mTabs->setCurrentWidget(mInspectorStack); }

void MainWindow::adaptToData() {
  const int tab = mTabs->indexOf(mInspectorStack);
  switch (mController->task().view) {
    case core::InspectorView::Text:
      mInspectorStack->setCurrentWidget(mTextInspector);
      mTabs->setTabText(tab, tr("Text inspector"));
      break;
    case core::InspectorView::Recommendations:
      mInspectorStack->setCurrentWidget(mRecommend);
      mTabs->setTabText(tab, tr("Recommendations"));
      break;
    case core::InspectorView::Inputs:
      mInspectorStack->setCurrentWidget(mInspector);
      mTabs->setTabText(tab, tr("Inspector"));
      break;
  }
  // The gallery shows image thumbnails: only images have them.
  const auto data = mController->data();
  mTabs->setTabVisible(mTabs->indexOf(mGallery), data && data->test.isImage());
}

void MainWindow::rememberSettings() {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  try {
    const nlohmann::json j = mSetup->config();
    settings.setValue(kConfigKey, QString::fromStdString(j.dump()));
  } catch (const std::exception&) {
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  rememberSettings();
  mController->stop();
  event->accept();
}

}  // namespace moe::ui
