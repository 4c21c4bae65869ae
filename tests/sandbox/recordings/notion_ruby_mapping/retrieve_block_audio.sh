curl 'https://api.notion.com/v1/blocks/2cad8e4e98ab80efb1fdca3b581b4c2c' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
