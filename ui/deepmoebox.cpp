#include "ui/deepmoebox.h"

#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

#include "core/train/layer_settings.h"
#include "ui/rangedspinbox.h"

namespace moe::ui {

DeepMoeBox::DeepMoeBox(QWidget* parent) : QGroupBox(tr("Stacked MoE layers (deep-moe)"), parent) {
  setObjectName(QStringLiteral("deepMoeBox"));
  auto* form = new QFormLayout(this);
  mLayers = new RangedSpinBox(this);
  mLayers->setObjectName(QStringLiteral("layers"));
  mLayers->setRange(2, core::kMaxMoeLayers);
  form->addRow(tr("MoE layers"), mLayers);
  const auto line = [this, form](const char* name, const QString& label, const QString& example) {
    auto* edit = new QLineEdit(this);
    edit->setObjectName(QString::fromLatin1(name));
    edit->setPlaceholderText(tr("as above, e.g. %1").arg(example));
    form->addRow(label, edit);
    connect(edit, &QLineEdit::textEdited, this, &DeepMoeBox::changed);
    return edit;
  };
  mExperts = line("layerExperts", tr("Experts per layer"), QStringLiteral("4,8"));
  mTopK = line("layerTopK", tr("Top-k per layer"), QStringLiteral("1,2"));
  mRouters = line("layerRouters", tr("Router per layer"), QStringLiteral("topk,switch"));
  connect(mLayers, &QSpinBox::valueChanged, this, &DeepMoeBox::changed);
}

void DeepMoeBox::setConfig(const core::TrainConfig& config) {
  const QSignalBlocker block(mLayers);
  mLayers->setValue(config.model.layers);
  mExperts->setText(QString::fromStdString(config.model.layerExperts));
  mTopK->setText(QString::fromStdString(config.model.layerTopK));
  mRouters->setText(QString::fromStdString(config.model.layerRouters));
}

void DeepMoeBox::apply(core::TrainConfig& config) const {
  config.model.layers = mLayers->value();
  config.model.layerExperts = mExperts->text().trimmed().toStdString();
  config.model.layerTopK = mTopK->text().trimmed().toStdString();
  config.model.layerRouters = mRouters->text().trimmed().toStdString();
}

void DeepMoeBox::updateEnabled(bool deep) {
  for (QWidget* w : std::initializer_list<QWidget*>{mLayers, mExperts, mTopK, mRouters})
    w->setEnabled(deep);
}

}  // namespace moe::ui
