#include "ui/recommendpanel.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/data/dataset.h"
#include "core/task/task_info.h"
#include "ui/categorybarchart.h"
#include "ui/datalabels.h"
#include "ui/heatmapwidget.h"
#include "ui/palette.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

namespace {
enum Column { kTitle, kPredicted, kExpert, kFirstGate };

QColor gateColor(int expert, double gate) {
  QColor c = categoryColor(expert);
  c.setAlphaF(float(0.15 + 0.85 * std::clamp(gate, 0.0, 1.0)));
  return c;
}
}  // namespace

RecommendPanel::RecommendPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mUser = new QSpinBox(this);
  mUser->setObjectName(QStringLiteral("user"));
  mUser->setRange(0, 0);
  mUser->setKeyboardTracking(false);
  mUser->setToolTip(tr("Users are numbered 0..N-1 in increasing MovieLens id"));
  mCount = new QSpinBox(this);
  mCount->setRange(1, 100);
  mCount->setValue(10);
  mUserInfo = new QLabel(this);
  mUserInfo->setTextFormat(Qt::RichText);
  QFont big = mUserInfo->font();
  big.setPointSize(big.pointSize() + 2);
  mUserInfo->setFont(big);
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("User:"), this));
  top->addWidget(mUser);
  top->addWidget(new QLabel(tr("Top"), this));
  top->addWidget(mCount);
  top->addSpacing(12);
  top->addWidget(mUserInfo, 1);

  mHeatmap = new HeatmapWidget(this);
  mHeatmap->setRowKind(tr("Genre"), tr("ratings"));
  mShares = new CategoryBarChart(tr("Experts this user's ratings go to"), tr("share of ratings"), this);
  mTable = new QTableWidget(0, kFirstGate, this);
  mTable->setObjectName(QStringLiteral("recommendations"));
  mTable->verticalHeader()->setVisible(true);
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setSelectionBehavior(QAbstractItemView::SelectRows);

  auto* grid = new QGridLayout;
  grid->addWidget(mHeatmap, 0, 0, 2, 1);
  grid->addWidget(mShares, 0, 1);
  grid->addWidget(mTable, 1, 1);
  grid->setColumnStretch(0, 2);
  grid->setColumnStretch(1, 3);
  grid->setRowStretch(0, 2);
  grid->setRowStretch(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(grid, 1);

  connect(mUser, &QSpinBox::valueChanged, this, [this] { request(); });
  connect(mCount, &QSpinBox::valueChanged, this, [this] { request(); });
  connect(controller, &SessionController::sessionReady, this, [this] {
    mResult.reset();
    mTable->setRowCount(0);
    mShares->clearBars();
    const auto data = mController->data();
    const bool ratings = data && recommends();
    {
      const QSignalBlocker block(mUser);
      mUser->setRange(0, ratings ? std::max(0, data->train.userCount - 1) : 0);
    }
    if (ratings) {
      const int E = mController->config().model.routedExperts();
      const QStringList genres = heatmapRowNames(data->test);
      mHeatmap->setSharedExperts(mController->config().model.sharedExperts);
      mHeatmap->setCounts(genres, E, std::vector<std::int64_t>(std::size_t(genres.size()) * std::size_t(E), 0), -1,
                          tr("no data yet"));
      if (isVisible()) request(); else mStale = true;
    }
  });
  connect(controller, &SessionController::evalAppended, this, [this] {
    updateHeatmap();
    if (isVisible()) request(); else mStale = true;  // the model moved on
  });
  connect(controller, &SessionController::snapshotUpdated, this, [this] {
    if (!mController->latestEval() && isVisible() && mHeatmapClock.isValid() && mHeatmapClock.elapsed() > 500) updateHeatmap();
  });
  connect(controller, &SessionController::recommendationsReady, this, &RecommendPanel::display);
  mHeatmapClock.start();
}

void RecommendPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  updateHeatmap();
  if (mStale || !mResult) request();
  mStale = false;
}

bool RecommendPanel::recommends() const {
  return mController->task().view == core::InspectorView::Recommendations;
}

void RecommendPanel::setUser(int user) {
  if (mUser->value() == user)
    request();
  else
    mUser->setValue(user);  // valueChanged requests
}

void RecommendPanel::request() {
  if (!recommends()) return;
  mController->requestRecommendations(mUser->value(), mCount->value());
}

void RecommendPanel::updateHeatmap() {
  mHeatmapClock.restart();
  const auto data = mController->data();
  if (!data || !recommends()) return;
  const QStringList genres = heatmapRowNames(data->test);
  if (const auto r = mController->latestEval()) {
    mHeatmap->setCounts(genres, r->experts, r->classExpert, r->mutualInformation, tr("test @ %1").arg(r->step));
    return;
  }
  const core::Snapshot& snap = mController->snapshot();
  mHeatmap->setCounts(genres, mController->config().model.routedExperts(), snap.classExpertTrain, -1, tr("train, this epoch"));
}

void RecommendPanel::display(const core::UserRecommendations& r) {
  if (r.user != mUser->value()) return;  // an older request
  mResult = r;
  const int E = int(r.expertShare.size());
  QStringList names;
  std::vector<double> shares;
  std::vector<QColor> colors;
  for (int e = 0; e < E; ++e) {
    names << QStringLiteral("E%1").arg(e);
    shares.push_back(double(r.expertShare[std::size_t(e)]));
    colors.push_back(categoryColor(e));
  }
  mShares->setBars(names, shares, colors);
  QString info = tr("MovieLens user <b>%1</b> · %2 training ratings").arg(r.userId).arg(r.trainRatings);
  if (!r.note.empty()) info += QStringLiteral(" · <i>%1</i>").arg(QString::fromStdString(r.note).toHtmlEscaped());
  mUserInfo->setText(info);

  QStringList headers = {tr("Title"), tr("Predicted ★"), tr("1st expert")};
  for (int e = 0; e < E; ++e) headers << tr("E%1 gate").arg(e);
  mTable->setColumnCount(kFirstGate + E);
  mTable->setHorizontalHeaderLabels(headers);
  mTable->setRowCount(int(r.items.size()));
  for (int row = 0; row < int(r.items.size()); ++row) {
    const core::Recommendation& item = r.items[std::size_t(row)];
    auto* title = new QTableWidgetItem(item.title.empty() ? tr("item %1").arg(item.itemId) : QString::fromStdString(item.title));
    mTable->setItem(row, kTitle, title);
    mTable->setItem(row, kPredicted, new QTableWidgetItem(QString::number(double(item.predicted), 'f', 2)));
    auto* first = new QTableWidgetItem(item.expert >= 0 ? QStringLiteral("E%1").arg(item.expert) : tr("none"));
    if (item.expert >= 0) first->setBackground(categoryColor(item.expert));
    mTable->setItem(row, kExpert, first);
    for (int e = 0; e < E; ++e) {
      const double g = e < int(item.expertGates.size()) ? double(item.expertGates[std::size_t(e)]) : 0.0;
      auto* cell = new QTableWidgetItem(g > 0 ? QString::number(g, 'f', 2) : QString());
      if (g > 0) cell->setBackground(gateColor(e, g));
      cell->setTextAlignment(Qt::AlignCenter);
      mTable->setItem(row, kFirstGate + e, cell);
    }
  }
  mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mTable->horizontalHeader()->setSectionResizeMode(kTitle, QHeaderView::Stretch);
}

}  // namespace moe::ui
