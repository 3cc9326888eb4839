#include "ui/routingoptionsbox.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>

#include "ui/rangedspinbox.h"

namespace moe::ui {

namespace {

template <typename E>
void fill(QComboBox* combo, std::initializer_list<E> values, const char* (*name)(E)) {
  for (E v : values) combo->addItem(QString::fromLatin1(name(v)), int(v));
}

void select(QComboBox* combo, int value) {
  const int i = combo->findData(value);
  if (i >= 0) combo->setCurrentIndex(i);
}

}  // namespace

RoutingOptionsBox::RoutingOptionsBox(QWidget* parent) : QGroupBox(tr("Routing and balancing"), parent) {
  auto* form = new QFormLayout(this);
  mScore = new QComboBox(this);
  mScore->setObjectName(QStringLiteral("score"));
  fill(mScore, {core::ScoreFunction::Softmax, core::ScoreFunction::Sigmoid},
       core::scoreFunctionName);
  mScore->setToolTip(tr("Softmax over the experts, or a sigmoid per expert (DeepSeek-V3; top-k "
                        "renormalises the chosen)"));
  form->addRow(tr("Score"), mScore);
  mRouteScale = new RangedDoubleSpinBox(this);
  mRouteScale->setObjectName(QStringLiteral("routeScale"));
  mRouteScale->setRange(0.01, 1000.0);
  mRouteScale->setDecimals(2);
  mRouteScale->setSingleStep(0.1);
  mRouteScale->setToolTip(tr("The gate weights are multiplied by this"));
  form->addRow(tr("Route scale"), mRouteScale);
  mBiasRate = new RangedDoubleSpinBox(this);
  mBiasRate->setObjectName(QStringLiteral("biasUpdateRate"));
  mBiasRate->setRange(0.0, 1.0);
  mBiasRate->setDecimals(4);
  mBiasRate->setSingleStep(0.001);
  mBiasRate->setSpecialValueText(tr("off"));
  mBiasRate->setToolTip(tr("Auxiliary-loss-free balancing (DeepSeek-V3): after each step every "
                           "expert's selection bias moves by this much against its load. The "
                           "biases are plotted on the load plot's right axis."));
  form->addRow(tr("Bias balancing rate"), mBiasRate);
  mDropPolicy = new QComboBox(this);
  mDropPolicy->setObjectName(QStringLiteral("dropPolicy"));
  fill(mDropPolicy, {core::DropPolicy::Position, core::DropPolicy::Probs, core::DropPolicy::Random},
       core::dropPolicyName);
  mDropPolicy->setToolTip(tr("Which inputs a full expert drops: the last in batch order "
                             "(Megatron), the least probable, or random ones (DeepSpeed)"));
  form->addRow(tr("Drop policy"), mDropPolicy);
  mBalanceScope = new QComboBox(this);
  mBalanceScope->setObjectName(QStringLiteral("balanceScope"));
  fill(mBalanceScope,
       {core::BalanceScope::Batch, core::BalanceScope::Sequence, core::BalanceScope::Global},
       core::balanceScopeName);
  mBalanceScope->setToolTip(tr("Where the Switch balancing loss counts expert frequencies: the "
                               "batch, each sequence (text: each sentence; images: each input), "
                               "or pooled over the last steps (global)"));
  form->addRow(tr("Balance scope"), mBalanceScope);
  mBalanceWindow = new RangedSpinBox(this);
  mBalanceWindow->setObjectName(QStringLiteral("balanceWindow"));
  mBalanceWindow->setRange(1, 100000);
  mBalanceWindow->setSuffix(tr(" steps"));
  mBalanceWindow->setToolTip(tr("Global balance scope: how many recent steps are pooled"));
  form->addRow(tr("Balance window"), mBalanceWindow);
  mSlots = new QSpinBox(this);
  mSlots->setObjectName(QStringLiteral("slotsPerExpert"));
  mSlots->setRange(1, 64);
  mSlots->setToolTip(tr("Soft MoE: slots each expert processes per sequence, each a different "
                        "learned mix of the sequence's inputs (Puigcerver et al. 2023)"));
  form->addRow(tr("Slots per expert"), mSlots);

  for (QComboBox* c : {mScore, mDropPolicy, mBalanceScope})
    connect(c, &QComboBox::currentIndexChanged, this, [this] {
      mBalanceWindow->setEnabled(mBalanceScope->isEnabled() &&
                                 mBalanceScope->currentData().toInt() ==
                                     int(core::BalanceScope::Global));
      Q_EMIT changed();
    });
  for (QDoubleSpinBox* s : {mRouteScale, mBiasRate})
    connect(s, &QDoubleSpinBox::valueChanged, this, [this] { Q_EMIT changed(); });
  for (QSpinBox* s : {mBalanceWindow, mSlots})
    connect(s, &QSpinBox::valueChanged, this, [this] { Q_EMIT changed(); });
}

void RoutingOptionsBox::setConfig(const core::TrainConfig& c) {
  const QSignalBlocker blockers[] = {QSignalBlocker(mScore), QSignalBlocker(mRouteScale),
                                     QSignalBlocker(mBiasRate), QSignalBlocker(mDropPolicy),
                                     QSignalBlocker(mBalanceScope),
                                     QSignalBlocker(mBalanceWindow), QSignalBlocker(mSlots)};
  select(mScore, int(c.model.score));
  mRouteScale->setValue(c.model.routeScale);
  mBiasRate->setValue(c.model.biasUpdateRate);
  select(mDropPolicy, int(c.model.dropPolicy));
  select(mBalanceScope, int(c.loss.balanceScope));
  mBalanceWindow->setValue(c.loss.balanceWindow);
  mSlots->setValue(c.model.slotsPerExpert);
}

void RoutingOptionsBox::apply(core::TrainConfig& c) const {
  c.model.score = core::ScoreFunction(mScore->currentData().toInt());
  c.model.routeScale = mRouteScale->value();
  c.model.biasUpdateRate = mBiasRate->value();
  c.model.dropPolicy = core::DropPolicy(mDropPolicy->currentData().toInt());
  c.loss.balanceScope = core::BalanceScope(mBalanceScope->currentData().toInt());
  c.loss.balanceWindow = mBalanceWindow->value();
  c.model.slotsPerExpert = mSlots->value();
}

void RoutingOptionsBox::updateEnabled(const core::RouterInfo& router, bool moe) {
  using S = core::RouterSetting;
  mScore->setEnabled(moe && router.reads(S::Score));
  mRouteScale->setEnabled(moe && router.reads(S::RouteScale));
  mBiasRate->setEnabled(moe && router.reads(S::BiasUpdateRate));
  mDropPolicy->setEnabled(moe && router.reads(S::DropPolicy));
  mSlots->setEnabled(moe && router.reads(S::SlotsPerExpert));
  mBalanceScope->setEnabled(moe);
  mBalanceWindow->setEnabled(moe && mBalanceScope->currentData().toInt() ==
                                        int(core::BalanceScope::Global));
}

}  // namespace moe::ui
