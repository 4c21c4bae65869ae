curl 'https://api.notion.com/v1/blocks/8a0d35c5145e41fd89ace46deb85d24f' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
