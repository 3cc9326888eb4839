#include "ui/toydatabox.h"

#include <QFormLayout>

#include "core/data/toy_data.h"
#include "core/train/config.h"
#include "ui/rangedspinbox.h"

namespace moe::ui {

ToyDataBox::ToyDataBox(QWidget* parent) : QGroupBox(tr("Toy data"), parent) {
  setObjectName(QStringLiteral("toyData"));
  auto* form = new QFormLayout(this);
  // The ranges are the ones TrainConfig::validate and the generator accept.
  mSize = new RangedSpinBox(this);
  mSize->setObjectName(QStringLiteral("toySize"));
  mSize->setRange(core::kMinToySize, core::kMaxToySize);
  mSize->setSingleStep(100);
  form->addRow(tr("Toy points"), mSize);
  mNoise = new RangedDoubleSpinBox(this);
  mNoise->setObjectName(QStringLiteral("toyNoise"));
  mNoise->setRange(0.0, core::kMaxToyNoise);
  mNoise->setDecimals(2);
  mNoise->setSingleStep(0.02);
  form->addRow(tr("Toy noise"), mNoise);
  mClasses = new RangedSpinBox(this);
  mClasses->setObjectName(QStringLiteral("toyClasses"));
  mClasses->setRange(2, core::kMaxToyClasses);
  form->addRow(tr("Toy classes"), mClasses);
  connect(mSize, &QSpinBox::valueChanged, this, &ToyDataBox::changed);
  connect(mNoise, &QDoubleSpinBox::valueChanged, this, &ToyDataBox::changed);
  connect(mClasses, &QSpinBox::valueChanged, this, &ToyDataBox::changed);
}

void ToyDataBox::setConfig(const core::TrainConfig& c) {
  const QSignalBlocker a(mSize), b(mNoise), d(mClasses);
  mSize->setValue(c.toy.size);
  mNoise->setValue(c.toy.noise);
  mClasses->setValue(c.toy.classes);
}

void ToyDataBox::apply(core::TrainConfig& c) const {
  c.toy.size = mSize->value();
  c.toy.noise = mNoise->value();
  c.toy.classes = mClasses->value();
}

void ToyDataBox::showFor(const QString& spec) {
  setVisible(spec.startsWith(QStringLiteral("toy:")) && !spec.startsWith(QStringLiteral("toy:csv")));
  mClasses->setEnabled(spec == QStringLiteral("toy:blobs"));
}

}  // namespace moe::ui
