"""The columns of the national registry export, in order (DESIGN §4).

No Django here: the scripts that write synthetic exports for tests and
benchmarks import it too.
"""

EXPORT_COLUMNS = (
    "序号",
    "数据日期",
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工时间（月）",
    "是否参加大病保险",
    "致贫原因1",
    "危房户",
    "是否解决安全饮用水",
    "人均纯收入",
    "户联系电话",
    "人联系电话",
    "首次识别时间",
    "人员识别时间",
    "户类型",
    "易返贫致贫户(监测对象)类型",
    "风险是否消除",
    "风险识别时间",
    "风险消除时间",
)
