#include "ui/curvecontrols.h"

#include <cmath>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include "ui/hoverhelp.h"

namespace moe::ui {

CurveControls::CurveControls(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("curveControls"));
  auto* label = new QLabel(tr("Smoothing"), this);
  mSlider = new QSlider(Qt::Horizontal, this);
  mSlider->setObjectName(QStringLiteral("smoothing"));
  mSlider->setRange(0, 99);  // hundredths: 0.99 at most, as TensorBoard's
  mSlider->setPageStep(5);
  mSlider->setMinimumWidth(120);
  mSlider->setMaximumWidth(240);
  mValue = new QLabel(this);
  mValue->setObjectName(QStringLiteral("smoothingValue"));
  mValue->setMinimumWidth(mValue->fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
  mLog = new QCheckBox(tr("Log scale"), this);
  mLog->setObjectName(QStringLiteral("logScale"));
  const QString smoothHelp = settingHelp(QStringLiteral("Smoothing"));
  for (QWidget* w : {static_cast<QWidget*>(label), static_cast<QWidget*>(mSlider),
                     static_cast<QWidget*>(mValue)})
    w->setToolTip(smoothHelp);
  mLog->setToolTip(settingHelp(QStringLiteral("Log scale")));

  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(4, 0, 4, 0);
  row->addWidget(label);
  row->addWidget(mSlider, 1);
  row->addWidget(mValue);
  row->addSpacing(16);
  row->addWidget(mLog);
  row->addStretch(2);

  connect(mSlider, &QSlider::valueChanged, this, [this](int v) {
    mValue->setText(QString::number(v / 100.0, 'f', 2));
    Q_EMIT smoothingChanged(v / 100.0);
  });
  connect(mLog, &QCheckBox::toggled, this, &CurveControls::logScaleChanged);
  mSlider->setValue(int(std::lround(kDefaultSmoothing * 100)));
}

double CurveControls::smoothing() const { return mSlider->value() / 100.0; }

void CurveControls::setSmoothing(double s) { mSlider->setValue(int(std::lround(s * 100))); }

bool CurveControls::logScale() const { return mLog->isChecked(); }

void CurveControls::setLogScale(bool on) { mLog->setChecked(on); }

}  // namespace moe::ui
