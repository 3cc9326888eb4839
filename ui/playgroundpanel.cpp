#include "ui/playgroundpanel.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QVBoxLayout>

#include "core/data/toy_data.h"
#include "core/train/session.h"
#include "core/train/trainer.h"
#include "ui/mixturelineview.h"
#include "ui/palette.h"
#include "ui/playgroundimages.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

namespace {
constexpr int kRedrawMs = 150;    // a probe asked for every 150 ms: over 5 redraws a second
constexpr int kPlaneCells = 64;   // cells per side of a 2-D grid: under 10 % of the trainer (BENCHMARKS)
constexpr int kLineCells = 400;   // points along x of a 1-D grid
}  // namespace

PlaygroundPanel::PlaygroundPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  QFont big = font();  // a projector's back row reads it
  big.setPointSizeF(big.pointSizeF() + 2);
  setFont(big);
  mStatus = new QLabel(this);
  mStatus->setObjectName(QStringLiteral("playgroundStatus"));
  // Wraps rather than widening the window: in one line beside the buttons it held a
  // presentation window at 1620 px when a projector gives 1280.
  mStatus->setWordWrap(true);
  mAdd = new QPushButton(tr("Add points"), this);
  mAdd->setCheckable(true);
  mAdd->setToolTip(tr("Click on the regions to add training points of the chosen class"));
  mClass = new QComboBox(this);
  mTrainPoints = new QPushButton(tr("Train with my points"), this);
  mTrainPoints->setToolTip(tr("Rebuild the model on the training points plus yours (saved as a "
                              "toy:csv file)"));
  mClear = new QPushButton(tr("Clear my points"), this);
  mLevelLabel = new QLabel(tr("Tree level:"), this);
  mLevel = new QComboBox(this);
  mLevel->setObjectName(QStringLiteral("playgroundLevel"));
  mLevel->setToolTip(tr("Colour the plane by the tree's nodes at this level: each point takes the "
                        "node on its most likely path (the path to its first-choice expert); the "
                        "lines are the borders of this level's regions and of the levels above"));
  auto* top = new QHBoxLayout;
  top->addWidget(mStatus, 1);
  top->addWidget(mLevelLabel);
  top->addWidget(mLevel);
  for (QWidget* w : {static_cast<QWidget*>(mAdd), static_cast<QWidget*>(mClass),
                     static_cast<QWidget*>(mTrainPoints), static_cast<QWidget*>(mClear)})
    top->addWidget(w);
  mToggleRow = new QHBoxLayout;
  mToggleLabel = new QLabel(tr("Each expert alone:"), this);
  mToggleRow->addWidget(mToggleLabel);
  mToggleRow->addStretch(1);

  mRegions = new PlaneView(tr("The gate's regions: which expert takes each point"), this);
  mRegions->setObjectName(QStringLiteral("playgroundRegions"));
  mPrediction = new PlaneView(tr("The mixture's prediction"), this);
  mPrediction->setObjectName(QStringLiteral("playgroundPrediction"));
  auto* planes = mPlanes = new QWidget(this);
  mPlaneGrid = new QGridLayout(planes);
  mPlaneGrid->setContentsMargins(0, 0, 0, 0);
  mPlaneGrid->addWidget(mRegions, 0, 0);
  mPlaneGrid->addWidget(mPrediction, 0, 1);
  mExperts = new QWidget(planes);
  mExpertRow = new QHBoxLayout(mExperts);
  mExpertRow->setContentsMargins(0, 0, 0, 0);
  mExperts->setVisible(false);
  planes->installEventFilter(this);
  placeExperts(false);
  mLine = new MixtureLineView(this);
  mMessage = new QLabel(tr("The playground draws datasets with one or two inputs: pick a toy "
                           "dataset (Two spirals, XOR, …, Piecewise function) in Setup and Apply."),
                        this);
  mMessage->setWordWrap(true);
  mMessage->setAlignment(Qt::AlignCenter);
  mPages = new QStackedWidget(this);
  mPages->addWidget(mMessage);
  mPages->addWidget(planes);
  mPages->addWidget(mLine);
  mLegend = new QWidget(this);
  mLegend->setLayout(new QHBoxLayout);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(mToggleRow);
  layout->addWidget(mPages, 1);
  layout->addWidget(mLegend);

  connect(mController, &SessionController::sessionReady, this, &PlaygroundPanel::sessionReady);
  connect(mAdd, &QPushButton::toggled, this, [this](bool on) {
    mRegions->setAdding(on);
    mPrediction->setAdding(on);
  });
  for (PlaneView* v : {mRegions, mPrediction})
    connect(v, &PlaneView::clicked, this, [this](double x, double y) {
      addUserPoint(x, y, std::max(0, mClass->currentIndex()));
    });
  connect(mClear, &QPushButton::clicked, this, [this] {
    mUser.clear();
    mRegions->setUserPoints(mUser);
    mPrediction->setUserPoints(mUser);
  });
  connect(mTrainPoints, &QPushButton::clicked, this, [this] { trainWithUserPoints(); });
  connect(mLevel, &QComboBox::currentIndexChanged, this, [this] {
    if (mHasProbe && mProbe.grid.height > 1) drawRegions();
  });
  mTimer.setInterval(kRedrawMs);
  connect(&mTimer, &QTimer::timeout, this, &PlaygroundPanel::poll);
  mTimer.start();
  sessionReady();
}

PlaygroundPanel::~PlaygroundPanel() {
  if (mPending.valid()) mPending.wait();  // the trainer's thread writes into mResult
}

bool PlaygroundPanel::draws(const core::Dataset& train) {
  return train.kind == core::DataKind::Dense && (train.features == 1 || train.features == 2) &&
         train.rows() > 0;
}

core::PlaneGrid PlaygroundPanel::gridFor(const core::Dataset& d, int cells) {
  core::PlaneGrid g;
  const int f = d.features;
  double lo[2] = {1e30, 1e30}, hi[2] = {-1e30, -1e30};
  for (int r = 0; r < d.rows(); ++r)
    for (int k = 0; k < f; ++k) {
      lo[k] = std::min(lo[k], double(d.x[std::size_t(r) * f + k]));
      hi[k] = std::max(hi[k], double(d.x[std::size_t(r) * f + k]));
    }
  // Square, centred on the data, 8 % wider than it, never smaller than [-1, 1] ... what the
  // generators draw, so the plane does not jump between datasets.
  double half = 1.0, cx = 0.0, cy = 0.0;
  if (d.rows() > 0) {
    cx = (lo[0] + hi[0]) / 2;
    cy = f == 2 ? (lo[1] + hi[1]) / 2 : 0.0;
    half = 1.08 * std::max((hi[0] - lo[0]) / 2, f == 2 ? (hi[1] - lo[1]) / 2 : 0.0);
    if (std::abs(cx) < 0.2 && std::abs(cy) < 0.2 && half < 1.1) cx = cy = 0, half = std::max(half, 1.0);
    half = std::max(half, 1e-3);
  }
  g.xMin = cx - half;
  g.xMax = cx + half;
  g.yMin = cy - half;
  g.yMax = cy + half;
  g.width = cells;
  g.height = f == 1 ? 1 : cells;
  return g;
}

void PlaygroundPanel::sessionReady() {
  if (mPending.valid()) mPending.wait();  // a probe of the old model: its result is dropped
  mPending = {};
  mHasProbe = false;
  mProbedStep = -1;
  const auto data = mController->data();
  const bool ok = data && draws(data->train);
  const bool line = ok && data->train.features == 1;
  mPages->setCurrentIndex(!ok ? 0 : line ? 2 : 1);
  for (QWidget* w : {static_cast<QWidget*>(mAdd), static_cast<QWidget*>(mClass),
                     static_cast<QWidget*>(mTrainPoints), static_cast<QWidget*>(mClear)})
    w->setVisible(ok && !line && data->train.classes >= 2);
  mUser.clear();
  setUpLevels(mController->config(), ok && !line);
  if (!ok) {
    rebuildExperts(0);
    mStatus->setText(tr("No playground for this dataset"));
    return;
  }
  const core::Dataset& train = data->train;
  mGrid = gridFor(train, line ? kLineCells : kPlaneCells);
  if (train.classes == 0 && !train.targets.empty()) {
    const auto [lo, hi] = std::minmax_element(train.targets.begin(), train.targets.end());
    mLo = *lo;
    mHi = *hi;
  }
  mClass->clear();
  for (int c = 0; c < train.classes; ++c)
    mClass->addItem(tr("class %1").arg(QString::fromStdString(train.classNames.size() > std::size_t(c) ? train.classNames[std::size_t(c)] : std::to_string(c))));
  mLine->setPoints(line ? &train : nullptr);
  for (PlaneView* v : {mRegions, mPrediction}) {
    v->setPoints(line ? nullptr : &train, mLo, mHi);
    v->setUserPoints(mUser);
    v->setImage({}, mGrid, true);
  }
  mPrediction->setTitle(train.classes > 0 ? tr("The mixture's prediction (class colours)")
                                          : tr("The mixture's prediction (blue low, red high)"));
  const core::ModelConfig& model = mController->config().model;
  int experts = model.kind == core::ModelKind::DenseMlp ? 0 : model.routedExperts();
  if (model.kind == core::ModelKind::Hme) {  // the tree's leaves
    experts = 1;
    for (int k = 0; k < model.depth; ++k) experts *= model.branching;
  }
  rebuildExperts(experts);
  mStatus->setText(tr("Waiting for the model…"));
  requestProbe();
}

void PlaygroundPanel::setUpLevels(const core::TrainConfig& config, bool plane) {
  const core::ModelConfig& m = config.model;
  const bool tree = plane && m.kind == core::ModelKind::Hme && m.depth >= 2;
  QSignalBlocker block(mLevel);
  mLevel->clear();
  int regions = 1;
  for (int k = 1; tree && k <= m.depth; ++k) {
    regions *= m.branching;
    mLevel->addItem(k == 1 ? tr("1: the root gate (%1 regions)").arg(regions)
                    : k == m.depth ? tr("%1: the experts (%2 regions)").arg(k).arg(regions)
                                   : tr("%1: %2 regions").arg(k).arg(regions));
  }
  mLevel->setCurrentIndex(mLevel->count() - 1);  // every level's borders at once
  mLevel->setVisible(tree);
  mLevelLabel->setVisible(tree);
  mRegions->setBorders({});
  mRegions->setTitle(tr("The gate's regions: which expert takes each point"));
}

int PlaygroundPanel::shownLevel() const {
  if (!mHasProbe || mProbe.treeDepth == 0) return 0;
  return mLevel->count() > 0 ? mLevel->currentIndex() + 1 : mProbe.treeDepth;
}

void PlaygroundPanel::drawRegions() {
  const int level = shownLevel(), depth = mProbe.treeDepth;
  if (level == 0 || depth < 2) {
    mRegions->setImage(regionImage(mProbe), mProbe.grid, true);
    return;
  }
  // Nested regions: this level's colours, its borders and, thicker, those of the levels above.
  std::vector<PlaneBorders> borders;
  for (int k = level; k >= 1; --k) borders.push_back({levelBorders(mProbe, k), 1.5 + 1.5 * (level - k)});
  mRegions->setBorders(std::move(borders));
  mRegions->setImage(levelImage(mProbe, level), mProbe.grid, true);
  mRegions->setTitle(level == 1       ? tr("The root gate's regions (tree level 1 of %1)").arg(depth)
                     : level == depth ? tr("The experts' regions inside each gate's (level %1 of %1)").arg(depth)
                                      : tr("Tree level %1 of %2, inside level %3's regions").arg(level).arg(depth).arg(level - 1));
}

void PlaygroundPanel::rebuildExperts(int experts) {
  for (QCheckBox* t : mToggles) delete t;
  for (PlaneView* v : mExpertViews) delete v;
  mToggles.clear();
  mExpertViews.clear();
  QLayout* legend = mLegend->layout();
  while (QLayoutItem* item = legend->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  for (int e = 0; e < experts; ++e) {
    // Numbered from 0, as the load plot (E0), the heatmap and the gating tree number them.
    auto* toggle = new QCheckBox(tr("Expert %1").arg(e), this);
    toggle->setStyleSheet(QStringLiteral("QCheckBox { color: %1; }")
                              .arg(categoryColor(e).darker(140).name()));
    mToggleRow->insertWidget(mToggleRow->count() - 1, toggle);
    auto* view = new PlaneView(tr("Expert %1 alone").arg(e), mExperts);
    view->setFrameColor(categoryColor(e));
    // The two main planes keep most of the tab: at a projector's 720 lines two experts' views
    // of 220 px left them 120 px pictures and held the window at 771 lines.
    view->setMinimumHeight(150);
    view->setMaximumHeight(320);
    view->setVisible(false);
    mExpertRow->addWidget(view);
    connect(toggle, &QCheckBox::toggled, this, [this, view](bool on) {
      view->setVisible(on);
      placeExperts(mExpertsBeside);
      requestProbe();
    });
    mToggles.push_back(toggle);
    mExpertViews.push_back(view);
    auto* chip = new QLabel(tr("  Expert %1  ").arg(e), mLegend);
    chip->setStyleSheet(QStringLiteral("background: %1; border: 1px solid #555; padding: 2px;")
                            .arg(regionColor(e, 0.6f).name()));
    legend->addWidget(chip);
  }
  static_cast<QHBoxLayout*>(legend)->addStretch(1);
  mToggleLabel->setVisible(experts > 0);  // "Each expert alone:" and nothing after it, on images
  placeExperts(mExpertsBeside);
  applyExpertFonts();
}

void PlaygroundPanel::applyExpertFonts() {
  if (!mLegend) return;  // the constructor's own setFont, before the legend exists
  QFont bold = font();
  bold.setBold(true);
  for (QCheckBox* t : mToggles) t->setFont(bold);
  for (QLabel* chip : mLegend->findChildren<QLabel*>(Qt::FindDirectChildrenOnly)) chip->setFont(font());
}

void PlaygroundPanel::placeExperts(bool beside) {
  int shown = 0;
  for (PlaneView* v : mExpertViews) shown += v->isVisibleTo(mExperts) ? 1 : 0;
  mExperts->setVisible(shown > 0);
  mExpertsBeside = beside;
  mPlaneGrid->removeWidget(mExperts);
  for (int i = 0; i < 3; ++i) {
    mPlaneGrid->setRowStretch(i, 0);
    mPlaneGrid->setColumnStretch(i, 0);
  }
  mPlaneGrid->setColumnStretch(0, 1);
  mPlaneGrid->setColumnStretch(1, 1);
  if (beside) {
    // A wide, short tab (a projector's 1280x720): in a row of their own they left the main
    // planes 120 px pictures; beside them every picture is as tall as the tab allows.
    mPlaneGrid->addWidget(mExperts, 0, 2);
    mPlaneGrid->setColumnStretch(2, std::max(1, shown));
    mPlaneGrid->setRowStretch(0, 1);
  } else {
    mPlaneGrid->addWidget(mExperts, 1, 0, 1, 2);
    mPlaneGrid->setRowStretch(0, 3);
    mPlaneGrid->setRowStretch(1, shown > 0 ? 2 : 0);
  }
}

bool PlaygroundPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == mPlanes && event->type() == QEvent::Resize) {
    const QSize size = mPlanes->size();
    const bool beside = size.width() > 2.4 * size.height();
    if (beside != mExpertsBeside) placeExperts(beside);
  }
  return QWidget::eventFilter(watched, event);
}

void PlaygroundPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange) applyExpertFonts();
}

PlaneView* PlaygroundPanel::expertView(int e) const {
  return e >= 0 && e < int(mExpertViews.size()) ? mExpertViews[std::size_t(e)] : nullptr;
}

QCheckBox* PlaygroundPanel::expertToggle(int e) const {
  return e >= 0 && e < int(mToggles.size()) ? mToggles[std::size_t(e)] : nullptr;
}

void PlaygroundPanel::requestProbe() { mForce = true; }

void PlaygroundPanel::poll() {
  if (mPending.valid()) {
    if (mPending.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    try {
      mPending.get();
      mProbe = std::move(*mResult);
      mProbeMs = *mResultMs;
      mHasProbe = true;
      draw();
    } catch (const std::exception& e) {
      mStatus->setText(tr("The playground cannot draw this model: %1").arg(QString::fromUtf8(e.what())));
    }
    mPending = {};
  }
  core::Trainer* trainer = mController->trainer();
  const auto data = mController->data();
  if (!trainer || !data || !draws(data->train) || !isVisible()) return;
  const long step = mController->snapshot().step;
  if (!mForce && step == mProbedStep) return;
  mForce = false;
  mProbedStep = step;
  bool perExpert = data->train.features == 1;  // the line view always shows every expert
  for (QCheckBox* t : mToggles) perExpert = perExpert || t->isChecked();
  mResult = std::make_shared<core::PlaneProbe>();
  mResultMs = std::make_shared<double>(0.0);
  mPending = trainer->post([grid = mGrid, perExpert, out = mResult, ms = mResultMs](core::Session& s) {
    const auto t0 = std::chrono::steady_clock::now();
    *out = core::probePlane(s, grid, perExpert);
    *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  });
}

void PlaygroundPanel::draw() {
  QElapsedTimer clock;
  clock.start();
  if (mProbe.grid.height == 1) {
    mLine->setProbe(mProbe);
  } else {
    drawRegions();
    mPrediction->setImage(predictionImage(mProbe, mLo, mHi), mProbe.grid, false);
    for (int e = 0; e < int(mExpertViews.size()); ++e)
      if (mExpertViews[std::size_t(e)]->isVisible())
        mExpertViews[std::size_t(e)]->setImage(expertImage(mProbe, e, mLo, mHi), mProbe.grid, false);
  }
  ++mDrawn;
  mDrawMs = double(clock.nsecsElapsed()) / 1e6;
  const core::ModelConfig& model = mController->config().model;
  const QString tree = mProbe.treeDepth == 0 ? QString()
                       : tr(" · <b>%1</b> loss, fit by %2")
                             .arg(QString::fromUtf8(core::mixtureLossName(model.mixtureLoss)),
                                  model.fit == core::FitMethod::Em ? tr("EM") : tr("gradient"));
  mStatus->setText(tr("<b>Step %1</b>%6 · each picture is %2 × %3 points through the model (%4 ms)%5")
                       .arg(mProbe.step).arg(mProbe.grid.width).arg(mProbe.grid.height)
                       .arg(mProbeMs, 0, 'f', 1)
                       .arg(mProbe.note.empty() ? QString() : QStringLiteral(" · ") + QString::fromStdString(mProbe.note), tree));
  Q_EMIT probeDrawn();
}

void PlaygroundPanel::addUserPoint(double x, double y, int cls) {
  mUser.push_back({x, y, cls});
  mRegions->setUserPoints(mUser);
  mPrediction->setUserPoints(mUser);
}

QString PlaygroundPanel::trainWithUserPoints() {
  const auto data = mController->data();
  if (!data || data->train.features != 2 || data->train.classes < 2 || mUser.empty()) {
    Q_EMIT notice(tr("Click on the plane (with Add points on) to add points first."), false);
    return {};
  }
  core::Dataset points = data->train;
  for (const PlanePoint& u : mUser) {
    points.x.push_back(float(u.x));
    points.x.push_back(float(u.y));
    points.labels.push_back(u.cls);
  }
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
  QDir().mkpath(dir);
  const QString path = dir + QStringLiteral("/playground-points.csv");
  QFile file(path);
  const std::string text = core::pointsCsv(points);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
      file.write(text.data(), qint64(text.size())) != qint64(text.size())) {
    Q_EMIT notice(tr("Could not write %1: %2").arg(path, file.errorString()), true);
    return {};
  }
  file.close();
  core::TrainConfig config = mController->config();
  config.dataset = "toy:csv:" + path.toStdString();
  mController->apply(config);
  return path;
}

}  // namespace moe::ui
