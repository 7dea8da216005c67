## lab/local.mk
