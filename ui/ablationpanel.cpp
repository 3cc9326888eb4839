#include "ui/ablationpanel.h"

#include <algorithm>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/train/trainer.h"
#include "ui/heatmapwidget.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

namespace {

QTableWidgetItem* numberItem(double v, int decimals) {
  auto* item = new QTableWidgetItem;
  item->setData(Qt::DisplayRole, QString::number(v, 'f', decimals));
  item->setData(Qt::UserRole, v);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

QString className(const core::AblationReport& r, int c) {
  return std::size_t(c) < r.classNames.size() ? QString::fromStdString(r.classNames[std::size_t(c)])
                                              : QString::number(c);
}

}  // namespace

AblationPanel::AblationPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mRun = new QPushButton(tr("Ablate the current model"), this);
  mRun->setToolTip(tr("Evaluates the test split with each expert removed (both ways), each "
                      "expert alone and a uniform gate: 3 × experts + 2 evaluations"));
  mMode = new QComboBox(this);
  mMode->addItem(tr("Removed: its share goes to each row's next choice"),
                 int(core::AblationMode::NextChoice));
  mMode->addItem(tr("Removed: the row's other gates renormalised"),
                 int(core::AblationMode::Renormalise));
  mProgress = new QProgressBar(this);
  mProgress->setMaximumWidth(220);
  mProgress->hide();
  mSummary = new QLabel(tr("Train a model, then ablate it: what does each expert contribute, "
                           "and to which classes?"), this);
  mSummary->setWordWrap(true);
  QFont f = mSummary->font();
  f.setPointSize(f.pointSize() + 1);
  mSummary->setFont(f);
  mRouting = new HeatmapWidget(this);
  mRouting->setObjectName(QStringLiteral("ablationRouting"));
  mDrop = new HeatmapWidget(this);
  mDrop->setObjectName(QStringLiteral("ablationDrop"));
  mTable = new QTableWidget(0, 9, this);
  mTable->setHorizontalHeaderLabels({tr("Expert"), tr("Share of inputs"), tr("Drop (next choice)"),
                                     tr("Drop (renormalised)"), tr("Accuracy alone"),
                                     tr("Class it serves most"), tr("Drop there"),
                                     tr("Mean drop, other classes"), tr("Hurts its class most")});
  mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mTable->verticalHeader()->hide();
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setSortingEnabled(true);

  auto* top = new QHBoxLayout;
  top->addWidget(mRun);
  top->addWidget(mMode, 1);
  top->addWidget(mProgress);
  auto* maps = new QHBoxLayout;
  maps->addWidget(mRouting, 1);
  maps->addWidget(mDrop, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(mSummary);
  layout->addLayout(maps, 3);
  layout->addWidget(mTable, 2);

  mTimer.setInterval(100);
  connect(&mTimer, &QTimer::timeout, this, &AblationPanel::poll);
  connect(mRun, &QPushButton::clicked, this, &AblationPanel::ablate);
  connect(mMode, &QComboBox::currentIndexChanged, this, [this] {
    if (mReport) showReport();
  });
  // A new model: what was shown measured the old one.
  connect(controller, &SessionController::sessionReady, this, &AblationPanel::clear);
}

AblationPanel::~AblationPanel() {
  if (mJob && mJob->future.valid()) mJob->future.wait();
}

void AblationPanel::clear() {
  if (mJob) return;  // the running job's report is dropped when it lands (poll)
  mReport.reset();
  mTable->setRowCount(0);
  mSummary->setText(tr("Train a model, then ablate it: what does each expert contribute, and to "
                       "which classes?"));
}

void AblationPanel::ablate() {
  core::Trainer* trainer = mController->trainer();
  if (mJob || !trainer) return;
  auto job = std::make_shared<Job>();
  job->future = trainer->post([job](core::Session& s) {
    job->report = core::ablate(s, [job](int done, int total) {
      job->done = done;
      job->total = total;
    });
  });
  mJob = job;
  mRun->setEnabled(false);
  mProgress->setRange(0, 100);
  mProgress->setValue(0);
  mProgress->show();
  mSummary->setText(tr("Ablating: evaluating the test split with each expert removed…"));
  mTimer.start();
}

void AblationPanel::poll() {
  if (!mJob) return;
  mProgress->setValue(100 * mJob->done / std::max(1, mJob->total.load()));
  if (mJob->future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  mTimer.stop();
  std::shared_ptr<Job> job = std::move(mJob);
  mRun->setEnabled(true);
  mProgress->hide();
  try {
    job->future.get();
  } catch (const std::exception& e) {
    mSummary->setText(tr("Cannot ablate this model: %1").arg(QString::fromUtf8(e.what())));
    Q_EMIT finished(false);
    return;
  }
  mReport = std::make_unique<core::AblationReport>(std::move(job->report));
  showReport();
  Q_EMIT finished(true);
}

void AblationPanel::showReport() {
  const core::AblationReport& r = *mReport;
  const auto mode = core::AblationMode(mMode->currentData().toInt());
  const auto& removed = r.removed(mode);
  QStringList names;
  for (int c = 0; c < r.classes; ++c) names << className(r, c);
  const QString at = tr("step %1").arg(r.step);
  mRouting->setScaleMax(1.0 / std::max(1, r.k));
  mRouting->setCounts(names, r.experts, r.classExpert, -1.0, tr("test split, %1").arg(at));
  // Drops below zero (removing the expert helped) are drawn as 0; the table has them signed.
  std::vector<float> drops(std::size_t(r.classes) * std::size_t(r.experts), 0.0f);
  double most = 0.0;
  for (int e = 0; e < r.experts; ++e)
    for (int c = 0; c < r.classes; ++c) {
      const double d = r.classAccuracy[std::size_t(c)] - removed[std::size_t(e)].classAccuracy[std::size_t(c)];
      drops[std::size_t(c) * std::size_t(r.experts) + std::size_t(e)] = float(std::max(0.0, d));
      most = std::max(most, d);
    }
  mDrop->setScaleMax(std::max(0.01, most));
  // A short title and the details on a second line, like the routing map beside it: both
  // maps then start at the same height and neither title runs off its plot.
  mDrop->setShares(names, r.experts, drops, tr("Accuracy drop, expert removed"),
                   tr("class accuracy lost (percentage points in the cells)"));
  mDrop->setSubtitle(tr("%1 · test split, %2").arg(QString::fromLatin1(core::ablationModeName(mode)), at));

  const auto bar = core::ablationBar(r, mode);
  mTable->setSortingEnabled(false);
  mTable->setRowCount(r.experts);
  for (int e = 0; e < r.experts; ++e) {
    const auto u = std::size_t(e);
    auto* name = new QTableWidgetItem;
    name->setData(Qt::DisplayRole, e);
    mTable->setItem(e, 0, name);
    mTable->setItem(e, 1, numberItem(r.expertShare[u], 3));
    mTable->setItem(e, 2, numberItem(r.accuracy - r.nextChoice[u].accuracy, 4));
    mTable->setItem(e, 3, numberItem(r.accuracy - r.renormalise[u].accuracy, 4));
    mTable->setItem(e, 4, numberItem(r.alone[u].accuracy, 4));
    const auto it = std::find_if(bar.begin(), bar.end(), [&](auto& b) { return b.expert == e; });
    for (int col = 5; col < 9; ++col) mTable->setItem(e, col, new QTableWidgetItem(QStringLiteral("–")));
    if (it == bar.end()) continue;  // under 5% of the inputs: not judged
    mTable->setItem(e, 5, new QTableWidgetItem(tr("%1 (%2%)").arg(className(r, it->topClass))
                                                   .arg(int(it->topClassShare * 100 + 0.5))));
    mTable->setItem(e, 6, numberItem(it->topClassDrop, 4));
    mTable->setItem(e, 7, numberItem(it->otherClassDrop, 4));
    mTable->setItem(e, 8, new QTableWidgetItem(it->passes ? tr("yes") : tr("no")));
  }
  mTable->setSortingEnabled(true);
  int passes = 0;
  for (const auto& b : bar) passes += b.passes;
  mSummary->setText(
      tr("At %1: test accuracy %2 as trained · uniform gate (every expert alike, the router's "
         "worth) %3 · %4 of %5 experts with ≥ 5% of the inputs hurt the class they serve most "
         "more than the others when removed.")
          .arg(at)
          .arg(r.accuracy, 0, 'f', 4)
          .arg(r.uniform.accuracy, 0, 'f', 4)
          .arg(passes)
          .arg(int(bar.size())));
}

}  // namespace moe::ui
